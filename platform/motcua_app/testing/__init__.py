"""Test support shipped with the platform (a pytest plugin), so plugin packages can reuse the fixtures."""

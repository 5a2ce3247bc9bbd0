"""The tenant directory: which tenants exist, their hosts and enabled plugins. Every area reads tenants
here; only the control plane (``motcua_tenants``) changes their lifecycle."""

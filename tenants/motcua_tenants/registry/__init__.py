"""Tenants (provinces), their domains and the background jobs that provision and archive them."""

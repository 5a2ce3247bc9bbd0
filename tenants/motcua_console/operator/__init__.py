"""The vendor operators' console: pages under ``/operator`` on the platform host (endpoints
``operator.<page>``), for the operator accounts the control-plane API serves. ``operator.pages`` imports
every page module."""

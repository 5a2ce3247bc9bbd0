"""A province's brand on its portal (names, colours, logo, contact details), changed by its tenant admin or
by the vendor's operators through one service."""

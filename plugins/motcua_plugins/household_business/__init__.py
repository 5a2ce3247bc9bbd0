"""Hộ kinh doanh — household business: registration, change of content, suspension, termination."""

"""Feedback and complaints (phản ánh, kiến nghị; issue 16, item 4; docs/feedback.md): anyone submits, the
province assigns, the unit rejects, asks for more, answers and publishes within the legal times on the
province's working calendar, and the person rates the answer; QĐ 766 items 5.1–5.3 are counted from it."""

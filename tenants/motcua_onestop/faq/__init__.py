"""Frequently asked questions (issue 16, item 5; docs/faq.md): the province's questions and answers per
field, procedure and unit, searched without accents on the portal and shown on the procedure pages."""

"""Notifications to the applicant (e-mail and SMS) through a transactional outbox drained by the job queue."""

"""Documents of a dossier: uploaded components, result documents, and the stored-bytes usage."""

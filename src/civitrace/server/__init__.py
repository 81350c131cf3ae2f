"""Key server, verification server, export batches and staff console; built by issues 4 and 6."""

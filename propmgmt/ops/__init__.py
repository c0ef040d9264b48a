"""Running the app in production: backup and restore, request logs and /metrics."""

// SystemdSupport: owned by its issue's implementer.

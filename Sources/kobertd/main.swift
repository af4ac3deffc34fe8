// Placeholder until issue 5's implementer writes the daemon.
print("kobertd is not implemented yet")

"""Use cases: one function each, one transaction each, events published after commit."""

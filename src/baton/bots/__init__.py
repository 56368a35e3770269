"""Bot backends behind one protocol (`baton.bots.base.Bot`)."""

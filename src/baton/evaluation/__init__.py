"""Evaluation: replay labelled files through Baton's rules and report the scores (`baton eval`)."""

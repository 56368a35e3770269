"""The outside world: sockets, email in and out, ticket systems, chat notices."""

"""The HTTP face of Baton: REST API, pages, and (later) sockets. Views parse, call one service,
and shape the answer; every rule lives below them."""

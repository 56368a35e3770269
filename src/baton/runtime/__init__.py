"""The machinery under the services: clock, event bus, outbox job runner."""

"""The demo: sandbox vendors, seeded tickets and the whole loop on loopback (`wishbridge demo`)."""

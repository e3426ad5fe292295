"""What plug-in authors test their connectors with: the batteries every helpdesk (helpdesk.py) and every tracker
(tracker.py) connector passes."""

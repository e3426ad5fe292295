import bridge


def test_the_public_api_is_exactly_what_the_package_exports():
    assert sorted(bridge.__all__) == [
        "ApplyResult",
        "BridgeError",
        "Change",
        "ConfigError",
        "Connector",
        "ConnectorError",
        "EpicBrief",
        "FatalError",
        "Helpdesk",
        "InvalidSignature",
        "IssueState",
        "Key",
        "MappingError",
        "MappingIssue",
        "Mappings",
        "Marking",
        "Organization",
        "Patch",
        "Person",
        "Polled",
        "RetriableError",
        "Settings",
        "Ticket",
        "TicketComment",
        "TicketLink",
        "TicketRef",
        "TicketWrite",
        "Tracker",
        "WebhookEvent",
        "WorkflowError",
        "load_mappings",
        "load_settings",
    ]
    for name in bridge.__all__:
        assert getattr(bridge, name) is not None


def test_every_connector_error_is_a_bridge_error():
    assert issubclass(bridge.RetriableError, bridge.ConnectorError)
    assert issubclass(bridge.FatalError, bridge.ConnectorError)
    assert issubclass(bridge.ConnectorError, bridge.BridgeError)

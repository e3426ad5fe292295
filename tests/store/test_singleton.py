import pytest

from bridge.singleton import AlreadyRunning, single_instance


def test_a_second_worker_is_refused_while_the_first_holds_the_lock(engine):
    with single_instance(engine), pytest.raises(AlreadyRunning, match="another wishbridge worker"), \
            single_instance(engine):
        pass
    with single_instance(engine):
        pass  # released when the first worker stops

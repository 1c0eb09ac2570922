"""Police skill: which police station covers a place, station contacts, legal information and crime warnings."""


def warm_up() -> None:
    """Load the station layers, the place index and the knowledge base before the first user.

    Called once by the action server after it starts, in a worker thread.
    """
    from skills.police import service

    service.station_for_text("ลุมพินี")
    service.legal_message("โดนหลอกโอนเงิน")

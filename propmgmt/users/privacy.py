"""Colleagues' mobile numbers: in full for the roles that call them (auth.roles.PHONE_READERS) and for
the person themselves, masked (138****5678) for everyone else."""
from ..auth.roles import PHONE_READERS


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone or "") >= 8 else ("****" if phone else "")


def visible_phone(phone: str, viewer, owner_id: int | None = None) -> str:
    if not phone:
        return ""
    if viewer is not None and getattr(viewer, "is_authenticated", False) and (
            viewer.role in PHONE_READERS or (owner_id is not None and viewer.id == owner_id)):
        return phone
    return mask_phone(phone)

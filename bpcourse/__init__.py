from bpcourse.i18n import get_language, set_language

__all__ = ["get_language", "set_language"]

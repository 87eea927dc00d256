"""Production settings: secrets are required, transport is secure."""

from django.core.exceptions import ImproperlyConfigured

from kernel.env import env_bool, env_int, env_str

from .base import *  # noqa: F403

if not env_str("DJANGO_SECRET_KEY"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set for production settings.")
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = False
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_CONTENT_TYPE_NOSNIFF = True

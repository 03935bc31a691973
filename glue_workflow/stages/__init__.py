"""Promotion of model packages across deployment stages (dev -> qa -> prod)."""

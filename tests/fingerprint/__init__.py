"""Tests of the fingerprint stage."""

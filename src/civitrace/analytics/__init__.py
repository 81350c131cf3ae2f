"""Differentially private statistics and cluster maps (OpenDP); built by issue 8."""

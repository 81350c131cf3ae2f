"""Policy lab: agent-based epidemic simulator comparing strategies; built by issue 7."""

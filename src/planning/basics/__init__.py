"""Shared basics under every layer: errors, the two languages, paths, number formats, checks, YAML, hashing, manifests, atomic writes and result folders."""

"""Tools around the product, not the product itself: the synthetic demo store and the performance bench.

They sit on top of every layer (import-linter keeps the product from importing them): `hhdesk demo` and
`hhdesk bench` load them when asked.
"""

"""Identifier and literal policy, one module per target language.

``common`` holds the language-neutral mechanics (word splitting, allow-list
sanitising, scope resolution); ``python``, ``java`` and ``go`` hold each
language's keywords, reserved names, casing and escapers. No other module
decides what an identifier looks like.
"""

"""The demo bank: deterministic, vectorised generation of a realistic Chinese retail bank.

Not a Django app and no models. `data` holds the reference lists (names, districts, products),
`bank` creates the organisation, staff, products and tags, `generate` turns a chunk of customer
indexes into table rows (numpy, encryption, pinyin: no database), and `load` inserts the chunks.
The `bankcrm seed_demo` command only parses its options and calls `load.seed`.
"""

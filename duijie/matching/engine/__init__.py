"""The matching engine: plain Python, no Django import (usable and testable alone).

``analysis`` turns text into index terms, ``lexicon`` translates terms between Chinese and English,
``index`` ranks documents for a query with BM25 plus translated terms, ``evaluate`` scores runs.
"""

"""The load path, one module a stage; :mod:`safeimport.loaders` is its public face.

- :mod:`.options`: the options, checked before anything is opened;
- :mod:`.runner`: the stages in order (audit, plan, strategy, copy, checks, sync, report);
- :mod:`.inputs`: CSV, JSON, DataFrames and tablib Datasets, read into COPY chunks;
- :mod:`.plan`: input columns to model fields;
- :mod:`.chunks`: the chunks, their ids and the lines their rows came from;
- :mod:`.transport`: COPY fed by a reading thread;
- :mod:`.direct` and :mod:`.staged`: the two ways into the table;
- :mod:`.staging`: the staging table of the staged path;
- :mod:`.screening`, :mod:`.splitting`, :mod:`.repeats` and :mod:`.rejects`: ``on_error="skip"``;
- :mod:`.checks`, :mod:`.sequencing`, :mod:`.explain`, :mod:`.progress`, :mod:`.report`;
- :mod:`.fallback`: ``bulk_create`` on databases without COPY.
"""

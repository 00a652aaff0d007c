"""The losing carrier's customer service record (CSR) against the sheet (issue 17).

``compare`` folds values as a carrier's clerk reads them, ``record`` keeps what the comparison
needs (secrets fingerprinted), ``fetch`` asks for the CSRs (coverage, one request per account,
polling, the ledger cache), ``diff`` and ``port_type`` turn differences into cell warnings.
The runner's step is ``porting_batch.runner.csr``.
"""

from porting_batch.csr.compare import fold, postal, same_words, split_unit
from porting_batch.csr.diff import Difference, differences
from porting_batch.csr.fetch import CsrApi, CsrOutcome, CsrRequest, Waiting, fetch_csrs
from porting_batch.csr.port_type import port_type_from
from porting_batch.csr.record import CarrierView, CsrStatus

__all__ = [
    "CarrierView",
    "CsrApi",
    "CsrOutcome",
    "CsrRequest",
    "CsrStatus",
    "Difference",
    "Waiting",
    "differences",
    "fetch_csrs",
    "fold",
    "port_type_from",
    "postal",
    "same_words",
    "split_unit",
]

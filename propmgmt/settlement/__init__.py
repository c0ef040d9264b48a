"""The monthly settlement statement (结算单) of the fallback operator, in integer fen."""

"""Lending (农村产权抵押贷款): property-right loans with shared risk, close of business, disposal (issue #17).

Other modules use only the names exported here.
"""

"""Registry (不动产登记): parties, parcels, units, rights, restrictions, applications, certificates (R1-R3)."""

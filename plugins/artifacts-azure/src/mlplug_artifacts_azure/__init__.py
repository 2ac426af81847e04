"""Artifact repository on Azure Blob Storage and ADLS Gen2: wasbs:// and abfss:// URIs"""

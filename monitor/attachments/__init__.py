"""Attachments: the PDF and Excel files a release links to, read with hard bounds.

- ``extract``: bytes → text (pypdf for PDF; openpyxl for xlsx/xlsm, rows as tab-separated lines
  that the survey-table reader of monitor.facts turns into labelled figures).
- ``bounded``: the same in a child process limited in memory, CPU and wall time.
- ``reading``: the poll's edge: each article's attachments fetched (address guard, politeness,
  robots.txt, ``attachments.max_bytes``) and read; a failure stays the attachment's.

PDF library, chosen on Japanese PDFs made with reportlab (bench/attachment_parsers.py, 20 pages;
share of the source's characters recovered in order, CPU time per page, peak Python allocations):

    PDF                      parser      recovered  CPU ms/page  peak MB
    CID HeiseiKakuGo-W5      pdfminer       99.5%      25-27        0.3
    CID HeiseiKakuGo-W5      pypdf         100.0%         13        1.0
    IPA Gothic (embedded)    pdfminer      100.0%      23-26        0.3
    IPA Gothic (embedded)    pypdf         100.0%      20-23        1.3

pdfminer.six wrote the IBM extension character 﨑 of a CID-keyed font as ``(cid:8443)`` and put a
blank line after every line; pypdf kept every character, took half the CPU on CID fonts, bounds
its own stream decompression (a 1.5 GB FlateDecode stream came back as no text within 0.8 s, the
child's start included) and brings no dependency (pdfminer.six brings cryptography). Both stay far
below a megabyte of allocations. A bounded read costs about 250 ms of CPU per file, most of it the
child's start and imports, and the child peaks at about 75 MB resident.
"""

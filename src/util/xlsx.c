/*
** xlsx.c: the XLSX reader of xlsx.h, on libzip (the container) and expat (the XML parts).
**
** NOTES ON THE DESIGN
**  - An XLSX file is a zip of XML "parts" linked by relationship files. We follow the links
**    the way Excel does rather than guessing names: _rels/.rels names the workbook part,
**    the workbook's .rels names the worksheets and the shared-string table, and the
**    workbook lists the sheets in tab order. Only when a link is missing do we fall back
**    to the conventional names (xl/workbook.xml, xl/sharedStrings.xml).
**  - Part names are matched case-insensitively (OPC part names are case-insensitive).
**  - Each part is decompressed in 64 KiB chunks straight into an expat parser, so memory
**    grows with the cells kept, not with the file; a part larger than XLSX_MAX_PART when
**    decompressed is refused (a zip bomb would otherwise exhaust memory or time).
**  - The parser is namespace-aware and handlers compare LOCAL names only, so prefixed
**    documents (<x:c>) and ISO "strict" OOXML (other namespace URIs) read the same.
**  - Every string of the result lives in one arena, freed by xlsx_free.
**  - Errors: the first problem wins; a handler that finds one records it and stops the
**    parser, and the caller reports it as "FILE: part: line L: reason".
*/
#include "util/xlsx.h"

#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "util/text.h"

#define XLSX_CHUNK 65536

/* One relationship of a .rels part. */
typedef struct XlsxRel {
  char *zId, *zType, *zTarget; /* malloc'd; zTarget already resolved to a part name */
} XlsxRel;

/* One <sheet> of the workbook, in tab order. */
typedef struct XlsxSheetRef {
  char *zName, *zRelId; /* malloc'd */
} XlsxSheetRef;

/* The state of one read: the archive, the first error, the shared strings. */
typedef struct XlsxCtx {
  const char *zName; /* file name for messages */
  zip_t *pZip;
  char *zErr;        /* first error, malloc'd */
  Arena *pArena;     /* of the result */
  int nShared, nSharedAlloc;
  char **azShared;   /* arena strings */
} XlsxCtx;

/* The base of every part parse: handlers receive local element names. A pass that finds a
** problem calls xlsx_pass_fail, which stops the parser. */
typedef struct XmlPass XmlPass;
struct XmlPass {
  XlsxCtx *pCtx;
  XML_Parser parser;
  const char *zPart;
  void (*xStart)(XmlPass *, const char *zLocal, const char **azAttr);
  void (*xEnd)(XmlPass *, const char *zLocal);
  void (*xText)(XmlPass *, const char *z, int n);
};

static void xlsx_fail(XlsxCtx *c, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
static void xlsx_fail(XlsxCtx *c, const char *zFmt, ...) {
  if (c->zErr) return; /* the first problem is the one to report */
  Buf b = BUF_INIT;
  buf_printf(&b, "%s: ", c->zName);
  va_list ap;
  va_start(ap, zFmt);
  buf_vprintf(&b, zFmt, ap);
  va_end(ap);
  c->zErr = buf_detach(&b);
}

static void xlsx_pass_fail(XmlPass *x, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
static void xlsx_pass_fail(XmlPass *x, const char *zFmt, ...) {
  if (!x->pCtx->zErr) {
    Buf b = BUF_INIT;
    va_list ap;
    va_start(ap, zFmt);
    buf_vprintf(&b, zFmt, ap);
    va_end(ap);
    xlsx_fail(x->pCtx, "%s: line %lu: %s", x->zPart,
              (unsigned long)XML_GetCurrentLineNumber(x->parser), buf_str(&b));
    buf_free(&b);
  }
  XML_StopParser(x->parser, XML_FALSE);
}

/* The local part of an expat namespace-expanded name "uri|local". */
static const char *xlsx_local(const char *z) {
  const char *zBar = strrchr(z, '|');
  return zBar ? zBar + 1 : z;
}

/* Value of the attribute whose local name is zLocal, or NULL. */
static const char *xlsx_attr(const char **azAttr, const char *zLocal) {
  for (int i = 0; azAttr[i]; i += 2) {
    if (strcmp(xlsx_local(azAttr[i]), zLocal) == 0) return azAttr[i + 1];
  }
  return NULL;
}

static void XMLCALL xlsx_on_start(void *pUser, const XML_Char *zName, const XML_Char **azAttr) {
  XmlPass *x = pUser;
  if (x->xStart) x->xStart(x, xlsx_local(zName), (const char **)azAttr);
}

static void XMLCALL xlsx_on_end(void *pUser, const XML_Char *zName) {
  XmlPass *x = pUser;
  if (x->xEnd) x->xEnd(x, xlsx_local(zName));
}

static void XMLCALL xlsx_on_text(void *pUser, const XML_Char *z, int n) {
  XmlPass *x = pUser;
  if (x->xText) x->xText(x, z, n);
}

static void XMLCALL xlsx_on_doctype(void *pUser, const XML_Char *zName, const XML_Char *zSys,
                                    const XML_Char *zPub, int bInternal) {
  (void)zName, (void)zSys, (void)zPub, (void)bInternal;
  xlsx_pass_fail(pUser, "a DOCTYPE declaration is not allowed in a workbook");
}

/* Explains a libzip error code in words a user can act on. */
static const char *xlsx_zip_reason(int iZipErr) {
  switch (iZipErr) {
  case ZIP_ER_NOZIP: return "not a zip archive, so not an XLSX workbook";
  case ZIP_ER_NOPASSWD:
  case ZIP_ER_WRONGPASSWD:
  case ZIP_ER_ENCRNOTSUPP:
    return "the workbook is encrypted: save it again without a password";
  case ZIP_ER_INCONS: return "the zip archive is damaged (inconsistent)";
  case ZIP_ER_COMPNOTSUPP: return "the zip archive uses an unsupported compression method";
  default: return NULL;
  }
}

static void xlsx_fail_zip(XlsxCtx *c, const char *zWhat, zip_error_t *pErr) {
  int iCode = zip_error_code_zip(pErr);
  const char *zWhy = xlsx_zip_reason(iCode);
  if (zWhy) xlsx_fail(c, "%s%s%s", zWhat ? zWhat : "", zWhat ? ": " : "", zWhy);
  else xlsx_fail(c, "%s%snot a readable XLSX workbook (zip: %s)", zWhat ? zWhat : "",
                 zWhat ? ": " : "", zip_error_strerror(pErr));
}

/* Decompresses part zPart into a parser driven by x. Returns 0 when parsed, 1 when the
** part does not exist and bOptional, -1 on any error (c->zErr set). */
static int xlsx_parse_part(XlsxCtx *c, const char *zPart, XmlPass *x, int bOptional) {
  zip_int64_t iEntry = zip_name_locate(c->pZip, zPart, ZIP_FL_NOCASE);
  if (iEntry < 0) {
    if (bOptional) return 1;
    xlsx_fail(c, "not an XLSX workbook: it has no part %s", zPart);
    return -1;
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(c->pZip, (zip_uint64_t)iEntry, 0, &st) != 0) {
    xlsx_fail_zip(c, zPart, zip_get_error(c->pZip));
    return -1;
  }
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
    xlsx_fail(c, "%s: the workbook is encrypted: save it again without a password", zPart);
    return -1;
  }
  if ((st.valid & ZIP_STAT_SIZE) && st.size > XLSX_MAX_PART) {
    xlsx_fail(c, "%s: part too large (%llu bytes decompressed, limit %zu)", zPart,
              (unsigned long long)st.size, XLSX_MAX_PART);
    return -1;
  }
  zip_file_t *f = zip_fopen_index(c->pZip, (zip_uint64_t)iEntry, 0);
  if (!f) {
    xlsx_fail_zip(c, zPart, zip_get_error(c->pZip));
    return -1;
  }
  XML_Parser parser = XML_ParserCreateNS(NULL, '|');
  if (!parser) {
    zip_fclose(f);
    xlsx_fail(c, "%s: cannot create an XML parser (out of memory)", zPart);
    return -1;
  }
  x->pCtx = c;
  x->parser = parser;
  x->zPart = zPart;
  XML_SetUserData(parser, x);
  XML_SetElementHandler(parser, xlsx_on_start, xlsx_on_end);
  XML_SetCharacterDataHandler(parser, xlsx_on_text);
  XML_SetStartDoctypeDeclHandler(parser, xlsx_on_doctype);
  char *aChunk = xmalloc(XLSX_CHUNK);
  size_t nTotal = 0;
  int rc = 0;
  for (;;) {
    zip_int64_t nGot = zip_fread(f, aChunk, XLSX_CHUNK);
    if (nGot < 0) {
      xlsx_fail_zip(c, zPart, zip_file_get_error(f));
      rc = -1;
      break;
    }
    nTotal += (size_t)nGot;
    if (nTotal > XLSX_MAX_PART) {
      xlsx_fail(c, "%s: part too large (over %zu bytes decompressed)", zPart, XLSX_MAX_PART);
      rc = -1;
      break;
    }
    int bFinal = nGot == 0;
    if (XML_Parse(parser, aChunk, (int)nGot, bFinal) != XML_STATUS_OK) {
      if (!c->zErr) {
        xlsx_fail(c, "%s: line %lu, column %lu: malformed XML: %s", zPart,
                  (unsigned long)XML_GetCurrentLineNumber(parser),
                  (unsigned long)XML_GetCurrentColumnNumber(parser),
                  XML_ErrorString(XML_GetErrorCode(parser)));
      }
      rc = -1;
      break;
    }
    if (c->zErr) { rc = -1; break; }
    if (bFinal) break;
  }
  free(aChunk);
  XML_ParserFree(parser);
  zip_fclose(f);
  return rc;
}

/* Resolves a relationship target against the part that holds the link (zSource, e.g.
** "xl/workbook.xml"): "/xl/x.xml" is absolute, "worksheets/s1.xml" is relative to "xl/",
** and "." and ".." segments are folded. Returns a malloc'd part name. */
static char *xlsx_resolve(const char *zSource, const char *zTarget) {
  Buf path = BUF_INIT;
  if (zTarget[0] == '/') {
    buf_puts(&path, zTarget + 1);
  } else {
    const char *zSlash = strrchr(zSource, '/');
    if (zSlash) buf_append(&path, zSource, (size_t)(zSlash - zSource) + 1);
    buf_puts(&path, zTarget);
  }
  /* fold segments: at most as many as there are slashes + 1 */
  char *zIn = buf_detach(&path);
  size_t nSeg = 1;
  for (const char *p = zIn; *p; p++) nSeg += *p == '/';
  char **azSeg = xmalloc_array(nSeg, sizeof(char *));
  size_t n = 0;
  char *zSave = NULL;
  for (char *zTok = strtok_r(zIn, "/", &zSave); zTok; zTok = strtok_r(NULL, "/", &zSave)) {
    if (strcmp(zTok, ".") == 0) continue;
    if (strcmp(zTok, "..") == 0) { if (n) n--; continue; }
    azSeg[n++] = zTok;
  }
  Buf out = BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    if (i) buf_putc(&out, '/');
    buf_puts(&out, azSeg[i]);
  }
  free(azSeg);
  free(zIn);
  return buf_detach(&out);
}

/* ---- relationships (.rels) ---------------------------------------------------------- */

typedef struct RelsPass {
  XmlPass x;
  const char *zSource; /* the part the links belong to, for resolving targets */
  int nRel, nRelAlloc;
  XlsxRel *aRel;
} RelsPass;

static void rels_start(XmlPass *x, const char *zLocal, const char **azAttr) {
  RelsPass *r = (RelsPass *)x;
  if (strcmp(zLocal, "Relationship") != 0) return;
  const char *zId = xlsx_attr(azAttr, "Id");
  const char *zType = xlsx_attr(azAttr, "Type");
  const char *zTarget = xlsx_attr(azAttr, "Target");
  const char *zMode = xlsx_attr(azAttr, "TargetMode");
  if (!zId || !zType || !zTarget) return;
  if (zMode && strcmp(zMode, "External") == 0) return; /* links out of the file */
  if (r->nRel >= r->nRelAlloc) {
    r->nRelAlloc = r->nRelAlloc ? 2 * r->nRelAlloc : 8;
    r->aRel = xrealloc_array(r->aRel, (size_t)r->nRelAlloc, sizeof(XlsxRel));
  }
  XlsxRel *p = &r->aRel[r->nRel++];
  p->zId = xstrdup(zId);
  p->zType = xstrdup(zType);
  p->zTarget = xlsx_resolve(r->zSource, zTarget);
}

static void rels_free(RelsPass *r) {
  for (int i = 0; i < r->nRel; i++) {
    free(r->aRel[i].zId);
    free(r->aRel[i].zType);
    free(r->aRel[i].zTarget);
  }
  free(r->aRel);
  r->aRel = NULL;
  r->nRel = r->nRelAlloc = 0;
}

/* Does relationship type URI zType end in "/zKind" (e.g. "worksheet")? Transitional and
** strict OOXML use different URI prefixes with the same last segment. */
static int rels_type_is(const char *zType, const char *zKind) {
  const char *zSlash = strrchr(zType, '/');
  return zSlash && strcmp(zSlash + 1, zKind) == 0;
}

/* Reads the .rels part that belongs to zSource ("xl/workbook.xml" -> "xl/_rels/
** workbook.xml.rels"; "" -> "_rels/.rels"). A missing .rels file leaves r empty. */
static int rels_read(XlsxCtx *c, const char *zSource, RelsPass *r) {
  memset(r, 0, sizeof *r);
  r->x.xStart = rels_start;
  r->zSource = zSource;
  const char *zSlash = strrchr(zSource, '/');
  char *zRels = zSlash ? xasprintf("%.*s/_rels/%s.rels", (int)(zSlash - zSource), zSource,
                                   zSlash + 1)
                       : xasprintf("_rels/%s.rels", zSource);
  int rc = xlsx_parse_part(c, zRels, &r->x, 1);
  free(zRels);
  return rc < 0 ? -1 : 0;
}

/* ---- workbook ----------------------------------------------------------------------- */

typedef struct WorkbookPass {
  XmlPass x;
  int nSheet, nSheetAlloc;
  XlsxSheetRef *aSheet;
} WorkbookPass;

static void workbook_start(XmlPass *x, const char *zLocal, const char **azAttr) {
  WorkbookPass *w = (WorkbookPass *)x;
  if (strcmp(zLocal, "sheet") != 0) return;
  const char *zName = xlsx_attr(azAttr, "name");
  const char *zId = xlsx_attr(azAttr, "id"); /* r:id */
  if (w->nSheet >= w->nSheetAlloc) {
    w->nSheetAlloc = w->nSheetAlloc ? 2 * w->nSheetAlloc : 4;
    w->aSheet = xrealloc_array(w->aSheet, (size_t)w->nSheetAlloc, sizeof(XlsxSheetRef));
  }
  w->aSheet[w->nSheet].zName = xstrdup(zName ? zName : "");
  w->aSheet[w->nSheet].zRelId = xstrdup(zId ? zId : "");
  w->nSheet++;
}

static void workbook_free(WorkbookPass *w) {
  for (int i = 0; i < w->nSheet; i++) {
    free(w->aSheet[i].zName);
    free(w->aSheet[i].zRelId);
  }
  free(w->aSheet);
}

/* ---- shared strings and rich text ----------------------------------------------------
** Both <si> (shared) and <is> (inline) hold either one <t> or rich-text runs <r><t>, plus
** optional phonetic runs <rPh><t> (furigana-like readings) that are NOT part of the text.
** RichText tracks that nesting for either. */

typedef struct RichText {
  int bIn;   /* inside <si> or <is> */
  int bInT;  /* inside a <t> that counts */
  int nRph;  /* depth of <rPh> */
  Buf text;
} RichText;

static void rich_start(RichText *r, const char *zLocal) {
  if (!r->bIn) return;
  if (strcmp(zLocal, "rPh") == 0) r->nRph++;
  else if (strcmp(zLocal, "t") == 0 && r->nRph == 0) r->bInT = 1;
}

static void rich_end(RichText *r, const char *zLocal) {
  if (!r->bIn) return;
  if (strcmp(zLocal, "rPh") == 0 && r->nRph > 0) r->nRph--;
  else if (strcmp(zLocal, "t") == 0) r->bInT = 0;
}

typedef struct SstPass {
  XmlPass x;
  RichText rich;
} SstPass;

static void sst_start(XmlPass *x, const char *zLocal, const char **azAttr) {
  SstPass *s = (SstPass *)x;
  (void)azAttr;
  if (strcmp(zLocal, "si") == 0) {
    s->rich.bIn = 1;
    s->rich.bInT = 0;
    s->rich.nRph = 0;
    buf_reset(&s->rich.text);
    return;
  }
  rich_start(&s->rich, zLocal);
}

static void sst_end(XmlPass *x, const char *zLocal) {
  SstPass *s = (SstPass *)x;
  XlsxCtx *c = x->pCtx;
  if (strcmp(zLocal, "si") == 0 && s->rich.bIn) {
    if (c->nShared >= c->nSharedAlloc) {
      c->nSharedAlloc = c->nSharedAlloc ? 2 * c->nSharedAlloc : 64;
      c->azShared = xrealloc_array(c->azShared, (size_t)c->nSharedAlloc, sizeof(char *));
    }
    c->azShared[c->nShared++] = arena_strdup(c->pArena, buf_str(&s->rich.text));
    s->rich.bIn = 0;
    return;
  }
  rich_end(&s->rich, zLocal);
}

static void sst_text(XmlPass *x, const char *z, int n) {
  SstPass *s = (SstPass *)x;
  if (s->rich.bIn && s->rich.bInT) buf_append(&s->rich.text, z, (size_t)n);
}

/* ---- the worksheet ------------------------------------------------------------------ */

typedef enum {
  CELL_NUMBER, CELL_SHARED, CELL_INLINE, CELL_STR, CELL_BOOL, CELL_ERROR, CELL_DATE
} CellType;

typedef struct SheetPass {
  XmlPass x;
  XlsxSheet *pSheet;
  int nRowAlloc;
  int bInSheetData;
  int bInRow;
  int iRow;            /* current row number */
  int iPrevRow;        /* number of the previous row element, 0 before the first */
  char **azCell;       /* cells of the current row by column (heap array, arena strings) */
  int nCell, nCellAlloc;
  int iPrevCol;        /* column of the previous cell in this row, -1 before the first */
  /* the current cell */
  int bInCell, iCol;
  CellType eType;
  int bInV;
  RichText rich;       /* inline string */
  Buf value;           /* text of <v> */
} SheetPass;

/* Parses a cell reference such as "C5" into 0-based column and 1-based row. Returns 0, or
** -1 when it is not one. */
static int xlsx_parse_ref(const char *z, int *piCol, int *piRow) {
  int iCol = 0, nLetter = 0;
  while ((*z >= 'A' && *z <= 'Z') || (*z >= 'a' && *z <= 'z')) {
    int d = (*z >= 'a' ? *z - 'a' : *z - 'A') + 1;
    iCol = iCol * 26 + d;
    if (++nLetter > 3 || iCol > XLSX_MAX_COLUMN) return -1;
    z++;
  }
  if (nLetter == 0) return -1;
  long iRow = 0;
  int nDigit = 0;
  while (*z >= '0' && *z <= '9') {
    iRow = iRow * 10 + (*z - '0');
    if (++nDigit > 7 || iRow > XLSX_MAX_ROW) return -1;
    z++;
  }
  if (*z || nDigit == 0 || iRow < 1) return -1;
  *piCol = iCol - 1;
  *piRow = (int)iRow;
  return 0;
}

/* Parses a positive decimal integer no larger than iMax; returns it or -1. */
static long xlsx_parse_uint(const char *z, long iMax) {
  if (!z || !*z) return -1;
  long v = 0;
  for (; *z; z++) {
    if (*z < '0' || *z > '9') return -1;
    v = v * 10 + (*z - '0');
    if (v > iMax) return -1;
  }
  return v;
}

static void sheet_start(XmlPass *x, const char *zLocal, const char **azAttr) {
  SheetPass *s = (SheetPass *)x;
  if (!s->bInSheetData) {
    if (strcmp(zLocal, "sheetData") == 0) s->bInSheetData = 1;
    return;
  }
  if (s->bInCell) {
    if (strcmp(zLocal, "v") == 0) {
      s->bInV = 1;
    } else if (strcmp(zLocal, "is") == 0) {
      s->rich.bIn = 1;
      s->rich.bInT = 0;
      s->rich.nRph = 0;
    } else {
      rich_start(&s->rich, zLocal);
    }
    return;
  }
  if (strcmp(zLocal, "row") == 0) {
    const char *zR = xlsx_attr(azAttr, "r");
    long iRow = zR ? xlsx_parse_uint(zR, XLSX_MAX_ROW) : s->iPrevRow + 1;
    if (iRow < 1 || iRow > XLSX_MAX_ROW) {
      xlsx_pass_fail(x, "bad row number \"%s\"", zR ? zR : "");
      return;
    }
    s->iRow = (int)iRow;
    s->iPrevRow = (int)iRow;
    s->bInRow = 1;
    s->nCell = 0;
    s->iPrevCol = -1;
    return;
  }
  if (strcmp(zLocal, "c") == 0 && s->bInRow) {
    const char *zRef = xlsx_attr(azAttr, "r");
    const char *zT = xlsx_attr(azAttr, "t");
    int iCol = s->iPrevCol + 1, iRefRow = s->iRow;
    if (zRef && xlsx_parse_ref(zRef, &iCol, &iRefRow) != 0) {
      xlsx_pass_fail(x, "bad cell reference \"%s\"", zRef);
      return;
    }
    if (iCol >= XLSX_MAX_COLUMN) {
      xlsx_pass_fail(x, "row %d: more than %d columns", s->iRow, XLSX_MAX_COLUMN);
      return;
    }
    s->iCol = iCol;
    s->iPrevCol = iCol;
    s->bInCell = 1;
    s->bInV = 0;
    buf_reset(&s->value);
    buf_reset(&s->rich.text);
    s->rich.bIn = 0;
    if (!zT || strcmp(zT, "n") == 0) s->eType = CELL_NUMBER;
    else if (strcmp(zT, "s") == 0) s->eType = CELL_SHARED;
    else if (strcmp(zT, "inlineStr") == 0) s->eType = CELL_INLINE;
    else if (strcmp(zT, "b") == 0) s->eType = CELL_BOOL;
    else if (strcmp(zT, "e") == 0) s->eType = CELL_ERROR;
    else if (strcmp(zT, "d") == 0) s->eType = CELL_DATE;
    else s->eType = CELL_STR; /* "str" (formula string) and anything unknown: the text */
  }
}

/* The text a finished cell stands for (see xlsx.h), in the arena; NULL after a failure. */
static char *sheet_cell_text(SheetPass *s) {
  XlsxCtx *c = s->x.pCtx;
  const char *zV = buf_str(&s->value);
  char zCol[8];
  switch (s->eType) {
  case CELL_INLINE:
    return arena_strdup(c->pArena, buf_str(&s->rich.text));
  case CELL_SHARED: {
    if (!*zV) return arena_strdup(c->pArena, "");
    long i = xlsx_parse_uint(zV, 0x7fffffffL);
    if (i < 0 || i >= c->nShared) {
      xlsx_column_name(s->iCol, zCol);
      xlsx_pass_fail(&s->x, "cell %s%d: shared string %s does not exist (the workbook has %d)",
                     zCol, s->iRow, zV, c->nShared);
      return NULL;
    }
    return c->azShared[i]; /* already in the arena */
  }
  case CELL_BOOL:
    if (!*zV) return arena_strdup(c->pArena, "");
    return arena_strdup(c->pArena, strcmp(zV, "0") == 0 ? "FALSE" : "TRUE");
  case CELL_NUMBER: {
    if (!*zV) return arena_strdup(c->pArena, "");
    char *zEnd = NULL;
    errno = 0;
    double r = strtod(zV, &zEnd);
    if (zEnd && *zEnd == 0 && zEnd != zV && isfinite(r)) {
      char zNum[40];
      xlsx_fmt_number(zNum, r);
      return arena_strdup(c->pArena, zNum);
    }
    return arena_strdup(c->pArena, zV); /* not a number after all: keep what is there */
  }
  case CELL_STR:
  case CELL_ERROR:
  case CELL_DATE:
    return arena_strdup(c->pArena, zV);
  }
  return arena_strdup(c->pArena, zV);
}

/* Appends the current row to the sheet when it holds a non-empty cell. */
static void sheet_end_row(SheetPass *s) {
  XlsxCtx *c = s->x.pCtx;
  int nCell = s->nCell;
  while (nCell > 0 && (!s->azCell[nCell - 1] || !s->azCell[nCell - 1][0])) nCell--;
  if (nCell == 0) return;
  XlsxSheet *p = s->pSheet;
  if (p->nRow >= s->nRowAlloc) {
    s->nRowAlloc = s->nRowAlloc ? 2 * s->nRowAlloc : 64;
    p->aRow = xrealloc_array(p->aRow, (size_t)s->nRowAlloc, sizeof(XlsxRow));
  }
  XlsxRow *r = &p->aRow[p->nRow++];
  r->iRow = s->iRow;
  r->nCell = nCell;
  r->azCell = arena_alloc(c->pArena, (size_t)nCell * sizeof(char *));
  char *zEmpty = arena_strdup(c->pArena, "");
  for (int i = 0; i < nCell; i++) r->azCell[i] = s->azCell[i] ? s->azCell[i] : zEmpty;
}

static void sheet_end(XmlPass *x, const char *zLocal) {
  SheetPass *s = (SheetPass *)x;
  if (!s->bInSheetData) return;
  if (s->bInCell) {
    if (strcmp(zLocal, "c") == 0) {
      char *z = sheet_cell_text(s);
      s->bInCell = 0;
      if (!z) return;
      if (s->iCol >= s->nCellAlloc) {
        int nNew = s->nCellAlloc ? s->nCellAlloc : 16;
        while (nNew <= s->iCol) nNew *= 2;
        s->azCell = xrealloc_array(s->azCell, (size_t)nNew, sizeof(char *));
        s->nCellAlloc = nNew;
      }
      for (int i = s->nCell; i <= s->iCol; i++) s->azCell[i] = NULL;
      if (s->iCol >= s->nCell) s->nCell = s->iCol + 1;
      s->azCell[s->iCol] = z;
    } else if (strcmp(zLocal, "v") == 0) {
      s->bInV = 0;
    } else if (strcmp(zLocal, "is") == 0) {
      s->rich.bIn = 0;
    } else {
      rich_end(&s->rich, zLocal);
    }
    return;
  }
  if (strcmp(zLocal, "row") == 0 && s->bInRow) {
    sheet_end_row(s);
    s->bInRow = 0;
  } else if (strcmp(zLocal, "sheetData") == 0) {
    s->bInSheetData = 0;
  }
}

static void sheet_text(XmlPass *x, const char *z, int n) {
  SheetPass *s = (SheetPass *)x;
  if (!s->bInCell) return;
  if (s->bInV) buf_append(&s->value, z, (size_t)n);
  else if (s->rich.bIn && s->rich.bInT) buf_append(&s->rich.text, z, (size_t)n);
}

static int xlsx_row_cmp(const void *a, const void *b) {
  const XlsxRow *p = a, *q = b;
  return (p->iRow > q->iRow) - (p->iRow < q->iRow);
}

/* ---- the whole read ----------------------------------------------------------------- */

int xlsx_is_compound_file(const void *z, size_t n) {
  static const unsigned char aMagic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  return n >= 8 && memcmp(z, aMagic, 8) == 0;
}

/* Finds the part name of worksheet iSheet (0-based, in tab order, chart sheets not
** counted) and the shared-string part (NULL when none); both malloc'd. Returns 0, 1 when
** the workbook has no worksheet iSheet > 0, or -1 (c->zErr set). */
static int xlsx_find_parts(XlsxCtx *c, int iSheet, char **pzSheetPart, char **pzSheetName,
                           char **pzSstPart) {
  *pzSheetPart = *pzSheetName = *pzSstPart = NULL;
  /* the workbook part, from the package relationships */
  RelsPass pkg;
  if (rels_read(c, "", &pkg)) {
    rels_free(&pkg); /* links read before the failure */
    return -1;
  }
  char *zWorkbook = NULL;
  for (int i = 0; i < pkg.nRel && !zWorkbook; i++) {
    if (rels_type_is(pkg.aRel[i].zType, "officeDocument")) zWorkbook = xstrdup(pkg.aRel[i].zTarget);
  }
  rels_free(&pkg);
  if (!zWorkbook) zWorkbook = xstrdup("xl/workbook.xml");

  WorkbookPass wb;
  memset(&wb, 0, sizeof wb);
  wb.x.xStart = workbook_start;
  RelsPass rels;
  memset(&rels, 0, sizeof rels);
  int rc = -1;
  if (xlsx_parse_part(c, zWorkbook, &wb.x, 0) != 0) goto done;
  if (rels_read(c, zWorkbook, &rels)) goto done;
  for (int i = 0; i < rels.nRel && !*pzSstPart; i++) {
    if (rels_type_is(rels.aRel[i].zType, "sharedStrings")) *pzSstPart = xstrdup(rels.aRel[i].zTarget);
  }
  /* the iSheet-th sheet in tab order that is a worksheet (not a chart sheet) */
  int nWorksheet = 0;
  for (int i = 0; i < wb.nSheet && !*pzSheetPart; i++) {
    for (int k = 0; k < rels.nRel; k++) {
      if (strcmp(rels.aRel[k].zId, wb.aSheet[i].zRelId) == 0 &&
          rels_type_is(rels.aRel[k].zType, "worksheet")) {
        if (nWorksheet++ == iSheet) {
          *pzSheetPart = xstrdup(rels.aRel[k].zTarget);
          *pzSheetName = xstrdup(wb.aSheet[i].zName);
        }
        break;
      }
    }
  }
  if (!*pzSstPart && zip_name_locate(c->pZip, "xl/sharedStrings.xml", ZIP_FL_NOCASE) >= 0)
    *pzSstPart = xstrdup("xl/sharedStrings.xml");
  if (!*pzSheetPart && iSheet > 0) {
    rc = 1; /* no such sheet: not an error of the file */
    goto done;
  }
  if (!*pzSheetPart && zip_name_locate(c->pZip, "xl/worksheets/sheet1.xml", ZIP_FL_NOCASE) >= 0) {
    *pzSheetPart = xstrdup("xl/worksheets/sheet1.xml");
    *pzSheetName = xstrdup(wb.nSheet ? wb.aSheet[0].zName : "Sheet1");
  }
  if (!*pzSheetPart) {
    xlsx_fail(c, "the workbook has no worksheet");
    goto done;
  }
  rc = 0;
done:
  workbook_free(&wb);
  rels_free(&rels);
  free(zWorkbook);
  if (rc) {
    free(*pzSheetPart);
    free(*pzSheetName);
    free(*pzSstPart);
    *pzSheetPart = *pzSheetName = *pzSstPart = NULL;
  }
  return rc;
}

int xlsx_read_mem(const char *zName, const void *pData, size_t nData, XlsxSheet **ppSheet,
                  char **pzErr) {
  return xlsx_read_mem_sheet(zName, pData, nData, 0, ppSheet, pzErr);
}

int xlsx_read_mem_sheet(const char *zName, const void *pData, size_t nData, int iSheet,
                        XlsxSheet **ppSheet, char **pzErr) {
  *ppSheet = NULL;
  XlsxCtx c;
  memset(&c, 0, sizeof c);
  c.zName = zName;
  if (xlsx_is_compound_file(pData, nData)) {
    *pzErr = xasprintf("%s: a password-protected workbook or a legacy .xls file (OLE compound "
                       "file), not XLSX: save it as .xlsx without a password", zName);
    return -1;
  }
  if (nData < 4 || memcmp(pData, "PK\3\4", 4) != 0) {
    *pzErr = xasprintf("%s: not an XLSX workbook (not a zip archive)", zName);
    return -1;
  }
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t *pSrc = zip_source_buffer_create(pData, nData, 0, &err);
  if (!pSrc) {
    xlsx_fail_zip(&c, NULL, &err);
    zip_error_fini(&err);
    *pzErr = c.zErr;
    return -1;
  }
  c.pZip = zip_open_from_source(pSrc, ZIP_RDONLY, &err);
  if (!c.pZip) {
    zip_source_free(pSrc);
    xlsx_fail_zip(&c, NULL, &err);
    zip_error_fini(&err);
    *pzErr = c.zErr;
    return -1;
  }
  zip_error_fini(&err);

  XlsxSheet *pSheet = xcalloc(1, sizeof *pSheet);
  pSheet->pArena = arena_new();
  c.pArena = pSheet->pArena;
  char *zSheetPart = NULL, *zSheetName = NULL, *zSstPart = NULL;
  SstPass sst;
  memset(&sst, 0, sizeof sst);
  SheetPass sheet;
  memset(&sheet, 0, sizeof sheet);
  int rc = -1;
  int rcFind = xlsx_find_parts(&c, iSheet, &zSheetPart, &zSheetName, &zSstPart);
  if (rcFind == 1) {
    rc = 1;
    goto done;
  }
  if (rcFind) goto done;
  pSheet->zSheetName = arena_strdup(c.pArena, zSheetName);
  if (zSstPart) {
    sst.x.xStart = sst_start;
    sst.x.xEnd = sst_end;
    sst.x.xText = sst_text;
    if (xlsx_parse_part(&c, zSstPart, &sst.x, 1) < 0) goto done;
  }
  sheet.x.xStart = sheet_start;
  sheet.x.xEnd = sheet_end;
  sheet.x.xText = sheet_text;
  sheet.pSheet = pSheet;
  if (xlsx_parse_part(&c, zSheetPart, &sheet.x, 0) != 0) goto done;
  /* Rows should come in ascending order; sort to be safe and refuse a repeated row. */
  qsort(pSheet->aRow, (size_t)pSheet->nRow, sizeof(XlsxRow), xlsx_row_cmp);
  for (int i = 1; i < pSheet->nRow; i++) {
    if (pSheet->aRow[i].iRow == pSheet->aRow[i - 1].iRow) {
      xlsx_fail(&c, "%s: row %d appears twice", zSheetPart, pSheet->aRow[i].iRow);
      goto done;
    }
  }
  rc = 0;
done:
  buf_free(&sst.rich.text);
  buf_free(&sheet.rich.text);
  buf_free(&sheet.value);
  free(sheet.azCell);
  free(c.azShared);
  free(zSheetPart);
  free(zSheetName);
  free(zSstPart);
  zip_discard(c.pZip); /* read-only: nothing to write back */
  if (rc == 1) {
    xlsx_free(pSheet);
    free(c.zErr);
    return 1;
  }
  if (rc) {
    xlsx_free(pSheet);
    *pzErr = c.zErr ? c.zErr : xasprintf("%s: cannot read the workbook", zName);
    return -1;
  }
  free(c.zErr);
  *ppSheet = pSheet;
  return 0;
}

int xlsx_read_file(const char *zPath, XlsxSheet **ppSheet, char **pzErr) {
  *ppSheet = NULL;
  FILE *f = fopen(zPath, "rb");
  if (!f) {
    *pzErr = xasprintf("%s: cannot open: %s", zPath, strerror(errno));
    return -1;
  }
  Buf b = BUF_INIT;
  char *aChunk = xmalloc(XLSX_CHUNK);
  size_t nGot;
  while ((nGot = fread(aChunk, 1, XLSX_CHUNK, f)) > 0) buf_append(&b, aChunk, nGot);
  free(aChunk);
  int bErr = ferror(f);
  fclose(f);
  if (bErr) {
    buf_free(&b);
    *pzErr = xasprintf("%s: read error", zPath);
    return -1;
  }
  int rc = xlsx_read_mem(zPath, buf_str(&b), b.n, ppSheet, pzErr);
  buf_free(&b);
  return rc;
}

void xlsx_free(XlsxSheet *p) {
  if (!p) return;
  free(p->aRow);
  arena_free(p->pArena);
  free(p);
}

void xlsx_fmt_number(char *z, double r) {
  if (!isfinite(r)) {
    strcpy(z, "null");
    return;
  }
  if (r == 0) {
    strcpy(z, "0");
    return;
  }
  /* the shortest significant digits that round-trip, as d.ddde±X */
  char zE[40];
  int nSig = 1;
  for (; nSig <= 17; nSig++) {
    snprintf(zE, sizeof zE, "%.*e", nSig - 1, r);
    if (strtod(zE, NULL) == r) break;
  }
  if (nSig > 17) nSig = 17;
  const char *p = zE;
  int bNeg = *p == '-';
  if (bNeg) p++;
  char aDigit[20];
  int nDigit = 0;
  for (; *p && *p != 'e'; p++) {
    if (*p >= '0' && *p <= '9' && nDigit < 19) aDigit[nDigit++] = *p;
  }
  int iExp = *p == 'e' ? atoi(p + 1) : 0;
  while (nDigit > 1 && aDigit[nDigit - 1] == '0') nDigit--; /* "%.*e" may pad */
  char *q = z;
  if (bNeg) *q++ = '-';
  if (iExp < -6 || iExp > 20) {
    *q++ = aDigit[0];
    if (nDigit > 1) {
      *q++ = '.';
      for (int i = 1; i < nDigit; i++) *q++ = aDigit[i];
    }
    int iAbs = iExp < 0 ? -iExp : iExp; /* a double's exponent is below 400 */
    if (iAbs > 999) iAbs = 999;
    snprintf(q, 16, "e%c%02d", iExp < 0 ? '-' : '+', iAbs);
    return;
  }
  if (iExp < 0) {
    /* 0.000ddd */
    *q++ = '0';
    *q++ = '.';
    for (int i = 0; i < -iExp - 1; i++) *q++ = '0';
    for (int i = 0; i < nDigit; i++) *q++ = aDigit[i];
  } else {
    /* ddd[.ddd], padding with zeros when the exponent passes the digits */
    for (int i = 0; i <= iExp; i++) *q++ = i < nDigit ? aDigit[i] : '0';
    if (nDigit > iExp + 1) {
      *q++ = '.';
      for (int i = iExp + 1; i < nDigit; i++) *q++ = aDigit[i];
    }
  }
  *q = 0;
}

void xlsx_column_name(int iCol, char *z) {
  char a[8];
  int n = 0;
  if (iCol < 0) iCol = 0;
  int v = iCol + 1;
  while (v > 0 && n < 7) {
    int d = (v - 1) % 26;
    a[n++] = (char)('A' + d);
    v = (v - 1) / 26;
  }
  for (int i = 0; i < n; i++) z[i] = a[n - 1 - i];
  z[n] = 0;
}

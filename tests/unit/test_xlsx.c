/*
** test_xlsx.c: unit tests of the XLSX reader (src/util/xlsx.c) and of the CSV-or-XLSX table
** reader (src/util/table.c).
**
** Workbooks are written two ways: with libxlsxwriter (what Excel-like writers produce:
** shared strings, rich text, inline strings in constant-memory mode, numbers, booleans,
** dates, formulas with cached values, sparse cells) and by hand with libzip, to reach what
** libxlsxwriter never writes (namespace prefixes, phonetic runs, cells without references,
** DOCTYPE, missing relationships, encrypted entries). Each file goes to a temporary
** directory that is removed at the end.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "util/mem.h"
#include "util/table.h"
#include "util/xlsx.h"

static char zTmpDir[] = "/tmp/kp_test_xlsx_XXXXXX";

static char *tmp_path(const char *zName) {
  return xasprintf("%s/%s", zTmpDir, zName);
}

/* The cell text at Excel row iRow, column iCol (0-based), "" when absent. */
static const char *cell(const XlsxSheet *p, int iRow, int iCol) {
  for (int i = 0; i < p->nRow; i++) {
    if (p->aRow[i].iRow != iRow) continue;
    return iCol < p->aRow[i].nCell ? p->aRow[i].azCell[iCol] : "";
  }
  return "";
}

/* Writes a workbook the way an office would: header row, values of every cell kind. */
static void write_sample(const char *zPath, int bConstantMemory) {
  lxw_workbook_options opt = {.constant_memory = bConstantMemory ? LXW_TRUE : LXW_FALSE,
                              .tmpdir = zTmpDir};
  lxw_workbook *wb = workbook_new_opt(zPath, &opt);
  assert_non_null(wb);
  lxw_worksheet *ws = workbook_add_worksheet(wb, "指标值");
  assert_non_null(ws);
  lxw_format *pBold = workbook_add_format(wb);
  format_set_bold(pBold);
  lxw_format *pDate = workbook_add_format(wb);
  format_set_num_format(pDate, "yyyy-mm-dd");
  assert_int_equal(worksheet_write_string(ws, 0, 0, "unit", NULL), LXW_NO_ERROR);
  worksheet_write_string(ws, 0, 1, "indicator", NULL);
  worksheet_write_string(ws, 0, 2, "value", NULL);
  worksheet_write_string(ws, 0, 3, "备注", NULL);
  worksheet_write_number(ws, 1, 0, 430421, NULL);         /* a code typed as a number */
  worksheet_write_string(ws, 1, 1, "A1", NULL);
  worksheet_write_number(ws, 1, 2, 7.25, NULL);
  worksheet_write_string(ws, 1, 3, "正常", NULL);
  worksheet_write_string(ws, 2, 0, "P01", NULL);
  worksheet_write_string(ws, 2, 1, "A1", NULL);
  worksheet_write_number(ws, 2, 2, -12.5, NULL);
  /* row 4 (index 3) left empty: dropped */
  worksheet_write_string(ws, 4, 0, "430400", NULL);
  worksheet_write_boolean(ws, 4, 1, 1, NULL);
  worksheet_write_formula_num(ws, 4, 2, "=1+1", NULL, 2);
  lxw_datetime dt = {2021, 1, 1, 0, 0, 0};
  worksheet_write_datetime(ws, 4, 3, &dt, pDate);          /* 44197 */
  /* sparse: only column C of row 6 */
  worksheet_write_number(ws, 5, 2, 1e-7, NULL);
  if (!bConstantMemory) {
    /* rich text: three runs, one bold, read as one string */
    lxw_rich_string_tuple a = {.format = NULL, .string = "衡阳"};
    lxw_rich_string_tuple b = {.format = pBold, .string = "高新"};
    lxw_rich_string_tuple c = {.format = NULL, .string = "区"};
    lxw_rich_string_tuple *aRich[] = {&a, &b, &c, NULL};
    assert_int_equal(worksheet_write_rich_string(ws, 6, 0, aRich, NULL), LXW_NO_ERROR);
  } else {
    worksheet_write_string(ws, 6, 0, "衡阳高新区", NULL);
  }
  worksheet_write_string(ws, 6, 27, "AB7", NULL);           /* column AB */
  assert_non_null(workbook_add_worksheet(wb, "second"));
  assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

static void check_sample(const XlsxSheet *p) {
  assert_string_equal(p->zSheetName, "指标值");
  assert_int_equal(p->nRow, 6); /* rows 1,2,3,5,6,7 */
  assert_string_equal(cell(p, 1, 0), "unit");
  assert_string_equal(cell(p, 1, 3), "备注");
  assert_string_equal(cell(p, 2, 0), "430421");
  assert_string_equal(cell(p, 2, 2), "7.25");
  assert_string_equal(cell(p, 3, 2), "-12.5");
  assert_string_equal(cell(p, 3, 3), "");
  assert_string_equal(cell(p, 5, 0), "430400");
  assert_string_equal(cell(p, 5, 1), "TRUE");
  assert_string_equal(cell(p, 5, 2), "2");
  assert_string_equal(cell(p, 5, 3), "44197");
  assert_string_equal(cell(p, 6, 0), "");
  assert_string_equal(cell(p, 6, 2), "1e-07");
  assert_string_equal(cell(p, 7, 0), "衡阳高新区");
  assert_string_equal(cell(p, 7, 27), "AB7");
  assert_int_equal(p->aRow[p->nRow - 1].nCell, 28);
  assert_string_equal(p->aRow[p->nRow - 1].azCell[5], ""); /* gaps read as empty */
}

static void test_libxlsxwriter_shared_strings(void **state) {
  (void)state;
  char *zPath = tmp_path("sample.xlsx");
  write_sample(zPath, 0);
  XlsxSheet *p = NULL;
  char *zErr = NULL;
  int rc = xlsx_read_file(zPath, &p, &zErr);
  if (rc) fprintf(stderr, "%s\n", zErr);
  assert_int_equal(rc, 0);
  check_sample(p);
  xlsx_free(p);
  free(zPath);
}

static void test_libxlsxwriter_inline_strings(void **state) {
  (void)state;
  char *zPath = tmp_path("inline.xlsx");
  write_sample(zPath, 1); /* constant_memory: strings are written inline (t="inlineStr") */
  XlsxSheet *p = NULL;
  char *zErr = NULL;
  int rc = xlsx_read_file(zPath, &p, &zErr);
  if (rc) fprintf(stderr, "%s\n", zErr);
  assert_int_equal(rc, 0);
  check_sample(p);
  xlsx_free(p);
  free(zPath);
}

/* Writes a zip with the given parts (name, text pairs, NULL-terminated). */
static void write_zip(const char *zPath, const char *const *azPart) {
  int err = 0;
  zip_t *z = zip_open(zPath, ZIP_CREATE | ZIP_TRUNCATE, &err);
  assert_non_null(z);
  for (int i = 0; azPart[i]; i += 2) {
    zip_source_t *s = zip_source_buffer(z, azPart[i + 1], strlen(azPart[i + 1]), 0);
    assert_non_null(s);
    assert_true(zip_file_add(z, azPart[i], s, ZIP_FL_ENC_UTF_8) >= 0);
  }
  assert_int_equal(zip_close(z), 0);
}

static const char zWorkbook[] =
    "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"
    "2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char zWorkbookRels[] =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
    "2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/"
    "officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/data.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/sharedStrings\" Target=\"strings.xml\"/></Relationships>";

static void test_hand_written_parts(void **state) {
  (void)state;
  /* prefixed elements (x:), a phonetic run that is not text, cells without r, a row
  ** without r, parts under non-default names found through the relationships */
  static const char zStrings[] =
      "<x:sst xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
      "<x:si><x:t>unit</x:t></x:si>"
      "<x:si><x:r><x:t>耒阳</x:t></x:r><x:r><x:t xml:space=\"preserve\">市 </x:t></x:r>"
      "<x:rPh sb=\"0\" eb=\"1\"><x:t>lei</x:t></x:rPh></x:si>"
      "<x:si><x:t>a&amp;b</x:t></x:si></x:sst>";
  static const char zSheet[] =
      "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
      "<x:sheetData>"
      "<x:row r=\"2\"><x:c t=\"s\"><x:v>0</x:v></x:c><x:c t=\"s\"><x:v>2</x:v></x:c></x:row>"
      "<x:row><x:c t=\"s\"><x:v>1</x:v></x:c><x:c r=\"D3\" t=\"e\"><x:v>#DIV/0!</x:v></x:c>"
      "<x:c t=\"str\"><x:f>A1</x:f><x:v>txt</x:v></x:c></x:row>"
      "<x:row r=\"9\"><x:c r=\"A9\"><x:v>0.30000000000000004</x:v></x:c>"
      "<x:c r=\"B9\" t=\"n\"><x:v>1.0E-3</x:v></x:c><x:c r=\"C9\"><x:v></x:v></x:c>"
      "<x:c r=\"D9\" t=\"b\"><x:v>0</x:v></x:c></x:row>"
      "</x:sheetData></x:worksheet>";
  const char *azPart[] = {"xl/workbook.xml", zWorkbook, "xl/_rels/workbook.xml.rels",
                          zWorkbookRels, "xl/strings.xml", zStrings, "xl/worksheets/data.xml",
                          zSheet, NULL};
  char *zPath = tmp_path("hand.xlsx");
  write_zip(zPath, azPart);
  XlsxSheet *p = NULL;
  char *zErr = NULL;
  int rc = xlsx_read_file(zPath, &p, &zErr);
  if (rc) fprintf(stderr, "%s\n", zErr);
  assert_int_equal(rc, 0);
  assert_int_equal(p->nRow, 3);
  assert_int_equal(p->aRow[0].iRow, 2);
  assert_string_equal(cell(p, 2, 0), "unit");
  assert_string_equal(cell(p, 2, 1), "a&b");
  assert_int_equal(p->aRow[1].iRow, 3);
  assert_string_equal(cell(p, 3, 0), "耒阳市 "); /* no "lei": the phonetic run is dropped */
  assert_string_equal(cell(p, 3, 3), "#DIV/0!");
  assert_string_equal(cell(p, 3, 4), "txt");   /* E3: follows D3 */
  assert_string_equal(cell(p, 9, 0), "0.30000000000000004"); /* 17 digits kept */
  assert_string_equal(cell(p, 9, 1), "0.001");                /* Excel's 1.0E-3 */
  assert_string_equal(cell(p, 9, 2), "");
  assert_string_equal(cell(p, 9, 3), "FALSE");
  xlsx_free(p);
  free(zPath);
}

/* Reads zPath and expects failure with a message containing zWant. */
static void expect_error(const char *zPath, const char *zWant) {
  XlsxSheet *p = NULL;
  char *zErr = NULL;
  assert_int_equal(xlsx_read_file(zPath, &p, &zErr), -1);
  assert_null(p);
  assert_non_null(zErr);
  if (!strstr(zErr, zWant)) fprintf(stderr, "got: %s\nwant: %s\n", zErr, zWant);
  assert_non_null(strstr(zErr, zWant));
  free(zErr);
}

static void write_bytes(const char *zPath, const void *z, size_t n) {
  FILE *f = fopen(zPath, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(z, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

static void test_rejects(void **state) {
  (void)state;
  char *zPath = tmp_path("bad.xlsx");
  write_bytes(zPath, "unit,indicator\n", 15);
  expect_error(zPath, "not an XLSX workbook (not a zip archive)");
  static const unsigned char aCfb[16] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  write_bytes(zPath, aCfb, sizeof aCfb);
  expect_error(zPath, "password-protected workbook or a legacy .xls");
  write_bytes(zPath, "PK\3\4garbage that is no zip at all", 34);
  expect_error(zPath, "bad.xlsx: ");
  /* a zip without any workbook part */
  const char *azNone[] = {"hello.txt", "hi", NULL};
  write_zip(zPath, azNone);
  expect_error(zPath, "not an XLSX workbook: it has no part xl/workbook.xml");
  /* DOCTYPE (entity expansion) refused */
  static const char zEvil[] =
      "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet><sheetData>"
      "<row><c t=\"inlineStr\"><is><t>&a;</t></is></c></row></sheetData></worksheet>";
  const char *azEvil[] = {"xl/workbook.xml", zWorkbook, "xl/_rels/workbook.xml.rels",
                          zWorkbookRels, "xl/worksheets/data.xml", zEvil, NULL};
  write_zip(zPath, azEvil);
  expect_error(zPath, "DOCTYPE declaration is not allowed");
  /* malformed XML names the part and line */
  const char *azBroken[] = {"xl/workbook.xml", zWorkbook, "xl/_rels/workbook.xml.rels",
                            zWorkbookRels, "xl/worksheets/data.xml",
                            "<worksheet><sheetData><row></sheetData>", NULL};
  write_zip(zPath, azBroken);
  expect_error(zPath, "xl/worksheets/data.xml: line 1");
  /* a shared string index past the table */
  const char *azIndex[] = {"xl/workbook.xml", zWorkbook, "xl/_rels/workbook.xml.rels",
                           zWorkbookRels, "xl/worksheets/data.xml",
                           "<worksheet><sheetData><row r=\"1\"><c r=\"B1\" t=\"s\"><v>9</v></c>"
                           "</row></sheetData></worksheet>", NULL};
  write_zip(zPath, azIndex);
  expect_error(zPath, "cell B1: shared string 9 does not exist");
  /* an encrypted entry (when this libzip can write one) */
  int err = 0;
  zip_t *z = zip_open(zPath, ZIP_CREATE | ZIP_TRUNCATE, &err);
  assert_non_null(z);
  zip_source_t *s = zip_source_buffer(z, zWorkbook, strlen(zWorkbook), 0);
  zip_int64_t i = zip_file_add(z, "xl/workbook.xml", s, 0);
  int bEncrypted = i >= 0 && zip_file_set_encryption(z, (zip_uint64_t)i, ZIP_EM_AES_256, "pw") == 0;
  if (zip_close(z) != 0) {
    zip_discard(z);
    bEncrypted = 0;
  }
  if (bEncrypted) expect_error(zPath, "encrypted");
  free(zPath);
}

static void test_column_names(void **state) {
  (void)state;
  char z[8];
  xlsx_column_name(0, z);
  assert_string_equal(z, "A");
  xlsx_column_name(25, z);
  assert_string_equal(z, "Z");
  xlsx_column_name(26, z);
  assert_string_equal(z, "AA");
  xlsx_column_name(27, z);
  assert_string_equal(z, "AB");
  xlsx_column_name(701, z);
  assert_string_equal(z, "ZZ");
  xlsx_column_name(702, z);
  assert_string_equal(z, "AAA");
  xlsx_column_name(16383, z);
  assert_string_equal(z, "XFD");
}

static void test_fmt_number(void **state) {
  (void)state;
  static const struct {
    double r;
    const char *z;
  } a[] = {{10, "10"}, {100, "100"}, {430400, "430400"}, {0.6, "0.6"}, {-12.5, "-12.5"},
           {0.1 + 0.2, "0.30000000000000004"}, {1e-7, "1e-07"}, {0.000123, "0.000123"},
           {44197, "44197"}, {1e20, "100000000000000000000"}, {1.5e22, "1.5e+22"}, {0, "0"}};
  char z[40];
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
    xlsx_fmt_number(z, a[i].r);
    assert_string_equal(z, a[i].z);
  }
}

static void test_table_reader(void **state) {
  (void)state;
  /* CSV: header + a good row + a ragged row + a short row; positions are line, column */
  char *zCsv = tmp_path("t.csv");
  static const char zText[] = "unit, indicator ,value\n430421,A1,\"1,5\"\n430422,A1,2,x\n\n"
                              "430423,A1\n";
  write_bytes(zCsv, zText, sizeof zText - 1);
  TableReader t;
  char *zErr = NULL;
  assert_int_equal(table_open(&t, zCsv, &zErr), 0);
  assert_int_equal(t.nHeader, 3);
  assert_string_equal(t.azHeader[1], "indicator");
  assert_int_equal(table_header_index(&t, "value"), 2);
  assert_string_equal(t.zFormat, "UTF-8");
  assert_int_equal(strlen(t.zSha256), 64);
  assert_int_equal(table_next(&t, &zErr), 1);
  assert_string_equal(t.azField[2], "1,5");
  assert_int_equal(table_next(&t, &zErr), -1);
  assert_int_equal(t.iLine, 3);
  assert_non_null(strstr(zErr, "t.csv: line 3, column 4: extra field"));
  free(zErr);
  assert_int_equal(table_next(&t, &zErr), -1);
  assert_int_equal(t.iLine, 5);
  assert_non_null(strstr(zErr, "t.csv: line 5, column 3: missing field"));
  free(zErr);
  assert_int_equal(table_next(&t, &zErr), 0);
  char *zWhere = table_where(&t, 7, 1);
  assert_string_equal(zWhere + strlen(zTmpDir) + 1, "t.csv: line 7, column 2");
  free(zWhere);
  table_close(&t);

  /* XLSX through the same reader: rows padded to the header, a value right of it refused */
  char *zX = tmp_path("sample.xlsx");
  write_sample(zX, 0);
  assert_int_equal(table_open(&t, zX, &zErr), 0);
  assert_int_equal(t.bXlsx, 1);
  assert_string_equal(t.zFormat, "XLSX");
  assert_int_equal(t.nHeader, 4);
  assert_int_equal(table_next(&t, &zErr), 1);
  assert_int_equal(t.iLine, 2);
  assert_string_equal(t.azField[0], "430421");
  assert_int_equal(table_next(&t, &zErr), 1);
  assert_int_equal(table_next(&t, &zErr), 1);
  assert_int_equal(t.iLine, 5);
  assert_int_equal(table_next(&t, &zErr), 1);
  assert_int_equal(t.iLine, 6);
  assert_string_equal(t.azField[0], "");
  assert_string_equal(t.azField[3], "");
  assert_int_equal(table_next(&t, &zErr), -1);
  assert_non_null(strstr(zErr, "sample.xlsx: row 7, column AB: a value right of the last "
                               "header column (D)"));
  free(zErr);
  assert_int_equal(table_next(&t, &zErr), 0);
  zWhere = table_where(&t, 5, 2);
  assert_string_equal(zWhere + strlen(zTmpDir) + 1, "sample.xlsx: row 5, column C");
  free(zWhere);
  table_close(&t);

  /* an empty file has no header */
  write_bytes(zCsv, "", 0);
  assert_int_equal(table_open(&t, zCsv, &zErr), -1);
  assert_non_null(strstr(zErr, "the file is empty: no header row"));
  free(zErr);
  free(zCsv);
  free(zX);
}

/* The header under a title, on a later worksheet: table_open_expect finds it; without the
** expected names (or when no row names one) the first row of the first sheet is the header. */
static void test_table_header_search(void **state) {
  (void)state;
  char *zX = tmp_path("sample.xlsx");
  write_sample(zX, 0); /* sheets "指标值" (header on row 1) and "second" (empty) */
  XlsxSheet *p = NULL;
  char *zErr = NULL;
  assert_int_equal(xlsx_read_mem_sheet("x", "PK\3\4", 4, 0, &p, &zErr), -1); /* not a zip */
  free(zErr);
  zErr = NULL;
  assert_int_equal(xlsx_read_file(zX, &p, &zErr), 0);
  xlsx_free(p);

  static const char *const azExpect[] = {"unit", "单位代码"};
  TableReader t;
  /* a CSV with a title line and a note line: header on line 3, positions unchanged */
  char *zCsv = tmp_path("titled.csv");
  static const char zText[] = "衡阳市考评数据填报表,,\n填报单位：,,计量单位：万元\n"
                              "单位代码,indicator,value\n430421,A1,1\n";
  write_bytes(zCsv, zText, sizeof zText - 1);
  assert_int_equal(table_open_expect(&t, zCsv, azExpect, 2, &zErr), 0);
  assert_int_equal(t.iHeaderLine, 3);
  assert_int_equal(t.nLead, 2);
  assert_string_equal(t.azHeader[0], "单位代码");
  assert_int_equal(table_next(&t, &zErr), 1);
  assert_int_equal(t.iLine, 4);
  assert_string_equal(t.azField[0], "430421");
  assert_int_equal(table_next(&t, &zErr), 0);
  table_close(&t);
  /* plain table_open keeps the first row */
  assert_int_equal(table_open(&t, zCsv, &zErr), 0);
  assert_int_equal(t.iHeaderLine, 1);
  assert_int_equal(t.nLead, 0);
  table_close(&t);
  /* no row names an expected column: the first row, as before */
  static const char *const azOther[] = {"nothing"};
  assert_int_equal(table_open_expect(&t, zCsv, azOther, 1, &zErr), 0);
  assert_int_equal(t.iHeaderLine, 1);
  table_close(&t);

  /* a workbook whose first sheet is instructions: the second sheet's row 2 is the header */
  char *zT = tmp_path("template.xlsx");
  lxw_workbook *wb = workbook_new(zT);
  assert_non_null(wb);
  lxw_worksheet *ws1 = workbook_add_worksheet(wb, "说明");
  worksheet_write_string(ws1, 0, 0, "填表说明：unit 填单位代码", NULL);
  lxw_worksheet *ws2 = workbook_add_worksheet(wb, "数据");
  worksheet_write_string(ws2, 0, 0, "标题", NULL);
  worksheet_write_string(ws2, 1, 0, " unit ", NULL);
  worksheet_write_string(ws2, 1, 1, "value", NULL);
  worksheet_write_number(ws2, 2, 0, 430421, NULL);
  worksheet_write_number(ws2, 2, 1, 2.5, NULL);
  assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
  assert_int_equal(xlsx_read_mem_sheet(zT, NULL, 0, 2, &p, &zErr), -1); /* no bytes */
  free(zErr);
  zErr = NULL;
  assert_int_equal(table_open_expect(&t, zT, azExpect, 2, &zErr), 0);
  assert_int_equal(t.iSheet, 1);
  assert_string_equal(t.zSheet, "数据");
  assert_int_equal(t.iHeaderLine, 2);
  assert_int_equal(t.nLead, 1);
  assert_int_equal(t.nHeader, 2);
  assert_int_equal(table_next(&t, &zErr), 1);
  assert_int_equal(t.iLine, 3);
  assert_string_equal(t.azField[1], "2.5");
  table_close(&t);
  /* a third sheet does not exist */
  FILE *f = fopen(zT, "rb");
  assert_non_null(f);
  char aBuf[65536];
  size_t n = fread(aBuf, 1, sizeof aBuf, f);
  fclose(f);
  assert_true(n > 0 && n < sizeof aBuf);
  assert_int_equal(xlsx_read_mem_sheet(zT, aBuf, n, 2, &p, &zErr), 1);
  assert_null(p);
  assert_int_equal(xlsx_read_mem_sheet(zT, aBuf, n, 1, &p, &zErr), 0);
  assert_string_equal(p->zSheetName, "数据");
  xlsx_free(p);
  free(zT);
  free(zCsv);
  free(zX);
}

static int setup(void **state) {
  (void)state;
  return mkdtemp(zTmpDir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char *zCmd = xasprintf("rm -rf '%s'", zTmpDir);
  int rc = system(zCmd);
  free(zCmd);
  return rc == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest aTest[] = {
    cmocka_unit_test(test_libxlsxwriter_shared_strings),
    cmocka_unit_test(test_libxlsxwriter_inline_strings),
    cmocka_unit_test(test_hand_written_parts),
    cmocka_unit_test(test_rejects),
    cmocka_unit_test(test_column_names),
    cmocka_unit_test(test_fmt_number),
    cmocka_unit_test(test_table_reader),
    cmocka_unit_test(test_table_header_search),
  };
  return cmocka_run_group_tests(aTest, setup, teardown);
}

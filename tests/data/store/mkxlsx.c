/*
** mkxlsx.c: writes the XLSX fixtures of tests/cli/store.sh with libxlsxwriter, so that the
** workbooks are what an Excel-like writer produces (shared strings, rich text, numbers for
** codes, sparse rows, booleans, formula results). The .xlsx files beside this source are
** its output, committed so that the CLI tests need no compiler. Regenerate with:
**   cc tests/data/store/mkxlsx.c $(pkg-config --cflags --libs xlsxwriter) -o /tmp/mkxlsx
**   /tmp/mkxlsx tests/data/store
** Not part of the build (the Makefile compiles src/ and tests/unit/test_*.c only).
*/
#include <stdio.h>
#include <stdlib.h>
#include <xlsxwriter.h>

static lxw_workbook *open_book(const char *zDir, const char *zName, lxw_worksheet **pWs,
                               const char *zSheet) {
  char zPath[4096];
  snprintf(zPath, sizeof zPath, "%s/%s", zDir, zName);
  lxw_workbook *wb = workbook_new(zPath);
  if (!wb) {
    fprintf(stderr, "mkxlsx: cannot create %s\n", zPath);
    exit(1);
  }
  *pWs = workbook_add_worksheet(wb, zSheet);
  return wb;
}

static void close_book(lxw_workbook *wb) {
  if (workbook_close(wb) != LXW_NO_ERROR) {
    fprintf(stderr, "mkxlsx: cannot write a workbook\n");
    exit(1);
  }
}

int main(int argc, char **argv) {
  const char *zDir = argc > 1 ? argv[1] : ".";
  lxw_worksheet *ws;

  /* values.xlsx: Chinese headers, codes typed as numbers, rich text, a sparse row */
  lxw_workbook *wb = open_book(zDir, "values.xlsx", &ws, "2021-B1 指标值");
  lxw_format *pBold = workbook_add_format(wb);
  format_set_bold(pBold);
  worksheet_write_string(ws, 0, 0, "单位代码", pBold);
  worksheet_write_string(ws, 0, 1, "指标代码", pBold);
  worksheet_write_string(ws, 0, 2, "数值", pBold);
  worksheet_write_string(ws, 0, 3, "备注", pBold);
  worksheet_write_string(ws, 0, 4, "填报人", pBold); /* an extra column: ignored */
  static const struct { double rUnit; const char *zUnit, *zInd; double r; } aRow[] = {
    {430421, NULL, "A1", 6.5}, {430421, NULL, "A2", 10.25}, {430422, NULL, "A1", 5.75},
    {430481, NULL, "A1", 7}, {430405, NULL, "A1", 4.5}, {0, "P01", "A1", 8.125},
    {0, "P01", "B2", 4},
  };
  int iRow = 1;
  for (size_t i = 0; i < sizeof aRow / sizeof aRow[0]; i++, iRow++) {
    if (aRow[i].zUnit) worksheet_write_string(ws, iRow, 0, aRow[i].zUnit, NULL);
    else worksheet_write_number(ws, iRow, 0, aRow[i].rUnit, NULL);
    worksheet_write_string(ws, iRow, 1, aRow[i].zInd, NULL);
    worksheet_write_number(ws, iRow, 2, aRow[i].r, NULL);
    worksheet_write_string(ws, iRow, 4, "张三", NULL);
  }
  /* rich-text note */
  lxw_rich_string_tuple a = {.format = NULL, .string = "数据来源："};
  lxw_rich_string_tuple b = {.format = pBold, .string = "市统计局"};
  lxw_rich_string_tuple *aRich[] = {&a, &b, NULL};
  worksheet_write_rich_string(ws, 1, 3, aRich, NULL);
  /* a sparse row: no value cell at all (reported missing); an empty row before it */
  iRow++;
  worksheet_write_number(ws, iRow, 0, 430406, NULL);
  worksheet_write_string(ws, iRow, 1, "A1", NULL);
  worksheet_write_string(ws, iRow, 3, "未报", NULL);
  close_book(wb);

  /* bad-values.xlsx: one problem per row, to check "row R, column X" */
  wb = open_book(zDir, "bad-values.xlsx", &ws, "Sheet1");
  worksheet_write_string(ws, 0, 0, "unit", NULL);
  worksheet_write_string(ws, 0, 1, "indicator", NULL);
  worksheet_write_string(ws, 0, 2, "value", NULL);
  worksheet_write_number(ws, 1, 0, 430421, NULL);      /* row 2: good */
  worksheet_write_string(ws, 1, 1, "A1", NULL);
  worksheet_write_number(ws, 1, 2, 1.5, NULL);
  worksheet_write_number(ws, 2, 0, 999999, NULL);      /* row 3: unknown unit */
  worksheet_write_string(ws, 2, 1, "A1", NULL);
  worksheet_write_number(ws, 2, 2, 1, NULL);
  worksheet_write_number(ws, 3, 0, 430422, NULL);      /* row 4: text value */
  worksheet_write_string(ws, 3, 1, "A1", NULL);
  worksheet_write_string(ws, 3, 2, "约5%", NULL);
  worksheet_write_number(ws, 4, 0, 430481, NULL);      /* row 5: boolean value */
  worksheet_write_string(ws, 4, 1, "A1", NULL);
  worksheet_write_boolean(ws, 4, 2, 1, NULL);
  worksheet_write_number(ws, 5, 0, 430405, NULL);      /* row 6: a cell right of the header */
  worksheet_write_string(ws, 5, 1, "A1", NULL);
  worksheet_write_number(ws, 5, 2, 2, NULL);
  worksheet_write_string(ws, 5, 4, "多余", NULL);
  worksheet_write_number(ws, 6, 0, 430421, NULL);      /* row 7: duplicate of row 2 */
  worksheet_write_string(ws, 6, 1, "A1", NULL);
  worksheet_write_number(ws, 6, 2, 1.5, NULL);
  worksheet_write_number(ws, 7, 0, 430406, NULL);      /* row 8: a formula error */
  worksheet_write_string(ws, 7, 1, "A1", NULL);
  worksheet_write_formula_str(ws, 7, 2, "=1/0", NULL, "#DIV/0!");
  worksheet_write_string(ws, 8, 0, "P01", NULL);       /* row 9: not applicable */
  worksheet_write_string(ws, 8, 1, "A2", NULL);
  worksheet_write_number(ws, 8, 2, 3, NULL);
  close_book(wb);

  /* units.xlsx: a new park with population and area, and an update of P01's name */
  wb = open_book(zDir, "units.xlsx", &ws, "单位");
  worksheet_write_string(ws, 0, 0, "单位代码", NULL);
  worksheet_write_string(ws, 0, 1, "单位名称", NULL);
  worksheet_write_string(ws, 0, 2, "类型", NULL);
  worksheet_write_string(ws, 0, 3, "考核组别", NULL);
  worksheet_write_string(ws, 0, 4, "人口", NULL);
  worksheet_write_string(ws, 0, 5, "面积", NULL);
  worksheet_write_string(ws, 1, 0, "P03", NULL);
  worksheet_write_string(ws, 1, 1, "衡阳高新区", NULL);
  worksheet_write_string(ws, 1, 2, "园区", NULL);
  worksheet_write_string(ws, 1, 3, "园区", NULL);
  worksheet_write_number(ws, 1, 4, 120000, NULL);
  worksheet_write_number(ws, 1, 5, 32.5, NULL);
  worksheet_write_string(ws, 2, 0, "P01", NULL);
  worksheet_write_string(ws, 2, 1, "松木经济开发区", NULL);
  worksheet_write_string(ws, 2, 2, "park", NULL);
  worksheet_write_string(ws, 2, 3, "园区", NULL);
  close_book(wb);

  /* targets.xlsx: targets of A2 (completion), codes as numbers */
  wb = open_book(zDir, "targets.xlsx", &ws, "目标");
  worksheet_write_string(ws, 0, 0, "单位编码", NULL);
  worksheet_write_string(ws, 0, 1, "指标代码", NULL);
  worksheet_write_string(ws, 0, 2, "目标值", NULL);
  static const struct { double rUnit, r; } aT[] = {
    {430421, 50}, {430422, 40}, {430481, 60}, {430405, 20}, {430406, 18},
  };
  for (size_t i = 0; i < sizeof aT / sizeof aT[0]; i++) {
    worksheet_write_number(ws, (lxw_row_t)(i + 1), 0, aT[i].rUnit, NULL);
    worksheet_write_string(ws, (lxw_row_t)(i + 1), 1, "A2", NULL);
    worksheet_write_number(ws, (lxw_row_t)(i + 1), 2, aT[i].r, NULL);
  }
  close_book(wb);

  /* titled.xlsx: an office template: instructions on the first worksheet; on the second a
  ** merged title row and a note row above the header (row 3), then a good row and a bad one */
  wb = open_book(zDir, "titled.xlsx", &ws, "填表说明");
  worksheet_write_string(ws, 0, 0, "填表说明", NULL);
  worksheet_write_string(ws, 1, 0, "1. 单位代码按行政区划代码填写", NULL);
  worksheet_write_string(ws, 2, 0, "2. 数值保留两位小数", NULL);
  lxw_worksheet *ws2 = workbook_add_worksheet(wb, "填报");
  worksheet_merge_range(ws2, 0, 0, 0, 3, "衡阳市2021年第一期高质量发展考评数据填报表", NULL);
  worksheet_write_string(ws2, 1, 0, "填报单位：（盖章）", NULL);
  worksheet_write_string(ws2, 1, 2, "计量单位：见指标说明", NULL);
  worksheet_write_string(ws2, 2, 0, "单位代码", NULL);
  worksheet_write_string(ws2, 2, 1, "指标代码", NULL);
  worksheet_write_string(ws2, 2, 2, "数值", NULL);
  worksheet_write_string(ws2, 2, 3, "备注", NULL);
  worksheet_write_number(ws2, 3, 0, 430421, NULL);
  worksheet_write_string(ws2, 3, 1, "A1", NULL);
  worksheet_write_number(ws2, 3, 2, 6.75, NULL);
  worksheet_write_number(ws2, 4, 0, 430422, NULL);
  worksheet_write_string(ws2, 4, 1, "A1", NULL);
  worksheet_write_string(ws2, 4, 2, "abc", NULL);
  close_book(wb);
  return 0;
}

/*
** grid.h: aligned plain-text tables for the terminal (`unit list`, `period list` ...),
** with Chinese text lined up correctly.
**
** Why not printf("%-10s"): printf pads by BYTES, and a Chinese character is 3 bytes of
** UTF-8 but 2 columns on a terminal, so columns of unit names drift. grid_print pads by
** display width: East Asian wide and full-width characters count 2, combining marks 0,
** everything else 1 (the Unicode East Asian Width property, the ranges that occur in
** Chinese office text). Output only; nothing here reads input.
*/
#ifndef KP_UTIL_GRID_H
#define KP_UTIL_GRID_H
#include <stdio.h>

typedef struct Grid Grid;

/* A table of nCol columns whose first row (added with grid_cell like any other) is the
** header; grid_print underlines it. Allocates; free with grid_free. */
Grid *grid_new(int nCol);
/* Right-align column iCol (numbers). */
void grid_align_right(Grid *p, int iCol);
/* Appends the next cell, row by row (a copy of z is kept; NULL prints as empty). */
void grid_cell(Grid *p, const char *z);
/* Same with printf formatting. */
void grid_cellf(Grid *p, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
/* Number of complete data rows added after the header. */
int grid_data_rows(const Grid *p);
/* Prints the table: two spaces between columns, no trailing blanks. */
void grid_print(const Grid *p, FILE *out);
void grid_free(Grid *p);

/* Display width of UTF-8 text in terminal columns. */
int grid_text_width(const char *z);

#endif

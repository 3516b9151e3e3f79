/*
** calendar.c: the working-day calendar (calendar.h): civil dates as day numbers, the
** holiday and make-up-day list of the State Council notices, and working-day arithmetic.
**
** Date arithmetic uses Howard Hinnant's days_from_civil / civil_from_days (proleptic
** Gregorian, exact for every year we accept). Working-day arithmetic walks day by day: a
** deadline is at most a few hundred days away, and a binary search per day over some 40
** listed days a year is nothing next to the database query that asked.
*/
#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/mem.h"

static int days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int z, int *py, int *pm, int *pd) {
  z += 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  int doe = z - era * 146097;
  int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = yoe + era * 400;
  int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int mp = (5 * doy + 2) / 153;
  int d = doy - (153 * mp + 2) / 5 + 1;
  int m = mp + (mp < 10 ? 3 : -9);
  *py = y + (m <= 2);
  *pm = m;
  *pd = d;
}

static int month_days(int y, int m) {
  static const int a[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int bLeap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return a[m - 1] + (m == 2 && bLeap);
}

static int digits(const char *z, int n, int *pv) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (z[i] < '0' || z[i] > '9') return -1;
    v = v * 10 + (z[i] - '0');
  }
  *pv = v;
  return 0;
}

int cal_date_parse(const char *z, int *piDay) {
  int y, m, d;
  if (!z || strlen(z) != 10 || z[4] != '-' || z[7] != '-') return -1;
  if (digits(z, 4, &y) || digits(z + 5, 2, &m) || digits(z + 8, 2, &d)) return -1;
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > month_days(y, m)) return -1;
  *piDay = days_from_civil(y, m, d);
  return 0;
}

void cal_date_format(int iDay, char *z) {
  int y, m, d;
  civil_from_days(iDay, &y, &m, &d);
  snprintf(z, 11, "%04d-%02d-%02d", y, m, d);
}

int cal_year_of(int iDay) {
  int y, m, d;
  civil_from_days(iDay, &y, &m, &d);
  return y;
}

int cal_weekday(int iDay) {
  /* 1970-01-01 was a Thursday (ISO 4). */
  int w = (iDay % 7 + 7) % 7; /* 0 = Thursday */
  return (w + 3) % 7 + 1;
}

int cal_day_of_time(int64_t t) {
  int64_t s = t + 8 * 3600;
  int64_t d = s / 86400;
  if (s % 86400 < 0) d--;
  return (int)d;
}

int cal_time_parse(const char *z, int64_t *pt) {
  int iDay, hh, mm, ss;
  char zDate[11];
  if (!z || strlen(z) != 20 || z[10] != 'T' || z[13] != ':' || z[16] != ':' || z[19] != 'Z')
    return -1;
  memcpy(zDate, z, 10);
  zDate[10] = 0;
  if (cal_date_parse(zDate, &iDay)) return -1;
  if (digits(z + 11, 2, &hh) || digits(z + 14, 2, &mm) || digits(z + 17, 2, &ss)) return -1;
  if (hh > 23 || mm > 59 || ss > 60) return -1;
  *pt = (int64_t)iDay * 86400 + hh * 3600 + mm * 60 + ss;
  return 0;
}

void cal_init(Calendar *p) {
  memset(p, 0, sizeof *p);
}

void cal_free(Calendar *p) {
  for (int i = 0; i < p->nDay; i++) free(p->aDay[i].zName);
  free(p->aDay);
  free(p->aYear);
  memset(p, 0, sizeof *p);
}

void cal_add_year(Calendar *p, int iYear) {
  int i = 0;
  while (i < p->nYear && p->aYear[i] < iYear) i++;
  if (i < p->nYear && p->aYear[i] == iYear) return;
  if (p->nYear == p->nYearAlloc) {
    p->nYearAlloc = p->nYearAlloc ? 2 * p->nYearAlloc : 8;
    p->aYear = xrealloc_array(p->aYear, (size_t)p->nYearAlloc, sizeof *p->aYear);
  }
  memmove(p->aYear + i + 1, p->aYear + i, (size_t)(p->nYear - i) * sizeof *p->aYear);
  p->aYear[i] = iYear;
  p->nYear++;
}

/* Index of iDay in aDay, or -(insertion point) - 1. */
static int find_day(const Calendar *p, int iDay) {
  int lo = 0, hi = p->nDay - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    if (p->aDay[mid].iDay == iDay) return mid;
    if (p->aDay[mid].iDay < iDay) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

int cal_add_day(Calendar *p, int iYear, int iDay, int bWork, const char *zName, char **pzErr) {
  char zDate[11];
  cal_date_format(iDay, zDate);
  int w = cal_weekday(iDay);
  if (bWork && w < 6) {
    *pzErr = xasprintf("%s is a weekday: only a Saturday or Sunday can be a make-up working "
                       "day (work)", zDate);
    return -1;
  }
  int i = find_day(p, iDay);
  if (i >= 0) {
    *pzErr = xasprintf("%s is listed twice", zDate);
    return -1;
  }
  i = -i - 1;
  if (p->nDay == p->nAlloc) {
    p->nAlloc = p->nAlloc ? 2 * p->nAlloc : 64;
    p->aDay = xrealloc_array(p->aDay, (size_t)p->nAlloc, sizeof *p->aDay);
  }
  memmove(p->aDay + i + 1, p->aDay + i, (size_t)(p->nDay - i) * sizeof *p->aDay);
  p->aDay[i].iDay = iDay;
  p->aDay[i].iYear = iYear;
  p->aDay[i].bWork = bWork;
  p->aDay[i].zName = xstrdup(zName ? zName : "");
  p->nDay++;
  return 0;
}

int cal_parse_csv(Calendar *p, const char *zName, const char *zText, size_t nText,
                  int *piYearLo, int *piYearHi, char **pzErr) {
  CsvReader r;
  if (csv_open_mem(&r, zName, zText, nText, pzErr)) return -1;
  Calendar tmp; /* parsed apart, merged only when the whole file is good */
  cal_init(&tmp);
  int iCol[4] = {-1, -1, -1, -1};
  static const char *azCol[4] = {"year", "date", "kind", "name"};
  int bHeader = 0, rc = -1, iLo = 0, iHi = 0;
  for (;;) {
    int k = csv_next(&r, pzErr);
    if (k < 0) goto done;
    if (k == 0) break;
    if (r.nField >= 1 && r.azField[0][0] == '#') continue;
    if (!bHeader) {
      for (int c = 0; c < 4; c++) {
        iCol[c] = csv_field_index(&r, azCol[c]);
        if (iCol[c] < 0 && c < 3) {
          *pzErr = xasprintf("%s: line %d, column 1: the header must be year,date,kind,name "
                             "(no column \"%s\")", zName, r.iRecordLine, azCol[c]);
          goto done;
        }
      }
      bHeader = 1;
      continue;
    }
    int iYear, iDay, bWork;
    const char *zCell;
    for (int c = 0; c < 3; c++) {
      if (iCol[c] >= r.nField) {
        *pzErr = xasprintf("%s: line %d, column %d: missing %s", zName, r.iRecordLine,
                           iCol[c] + 1, azCol[c]);
        goto done;
      }
    }
    zCell = r.azField[iCol[0]];
    if (strlen(zCell) != 4 || digits(zCell, 4, &iYear) || iYear < 1900 || iYear > 2999) {
      *pzErr = xasprintf("%s: line %d, column %d: year \"%s\" is not a year", zName,
                         r.iRecordLine, iCol[0] + 1, zCell);
      goto done;
    }
    zCell = r.azField[iCol[1]];
    if (cal_date_parse(zCell, &iDay)) {
      *pzErr = xasprintf("%s: line %d, column %d: date \"%s\" is not a date YYYY-MM-DD",
                         zName, r.iRecordLine, iCol[1] + 1, zCell);
      goto done;
    }
    int y = cal_year_of(iDay);
    if (y != iYear && y != iYear - 1) {
      *pzErr = xasprintf("%s: line %d, column %d: %s is not in the notice's year %d (or the "
                         "end of the year before)", zName, r.iRecordLine, iCol[1] + 1, zCell,
                         iYear);
      goto done;
    }
    zCell = r.azField[iCol[2]];
    if (strcmp(zCell, "off") == 0 || strcmp(zCell, "休") == 0) bWork = 0;
    else if (strcmp(zCell, "work") == 0 || strcmp(zCell, "班") == 0) bWork = 1;
    else {
      *pzErr = xasprintf("%s: line %d, column %d: kind \"%s\" must be off (休) or work (班)",
                         zName, r.iRecordLine, iCol[2] + 1, zCell);
      goto done;
    }
    const char *zHol = iCol[3] >= 0 && iCol[3] < r.nField ? r.azField[iCol[3]] : "";
    char *zWhy = NULL;
    if (cal_add_day(&tmp, iYear, iDay, bWork, zHol, &zWhy)) {
      *pzErr = xasprintf("%s: line %d, column %d: %s", zName, r.iRecordLine, iCol[1] + 1, zWhy);
      free(zWhy);
      goto done;
    }
    if (!iLo || iYear < iLo) iLo = iYear;
    if (iYear > iHi) iHi = iYear;
    cal_add_year(&tmp, iYear);
  }
  if (!bHeader || tmp.nDay == 0) {
    *pzErr = xasprintf("%s: line 1, column 1: no days listed (header year,date,kind,name, then "
                       "one row per day)", zName);
    goto done;
  }
  /* Merge: a day already present in p (from another file) is a conflict. */
  for (int i = 0; i < tmp.nDay; i++) {
    if (find_day(p, tmp.aDay[i].iDay) >= 0) {
      char zDate[11];
      cal_date_format(tmp.aDay[i].iDay, zDate);
      *pzErr = xasprintf("%s: %s is already listed by another calendar file", zName, zDate);
      goto done;
    }
  }
  for (int i = 0; i < tmp.nDay; i++) {
    char *zWhy = NULL;
    if (cal_add_day(p, tmp.aDay[i].iYear, tmp.aDay[i].iDay, tmp.aDay[i].bWork,
                    tmp.aDay[i].zName, &zWhy)) {
      free(zWhy); /* cannot happen: checked above */
    }
  }
  for (int i = 0; i < tmp.nYear; i++) cal_add_year(p, tmp.aYear[i]);
  if (piYearLo) *piYearLo = iLo;
  if (piYearHi) *piYearHi = iHi;
  rc = 0;
done:
  cal_free(&tmp);
  csv_close(&r);
  return rc;
}

int cal_year_known(const Calendar *p, int iYear) {
  for (int i = 0; i < p->nYear; i++)
    if (p->aYear[i] == iYear) return 1;
  return 0;
}

int cal_is_workday(const Calendar *p, int iDay) {
  if (!cal_year_known(p, cal_year_of(iDay))) return -1;
  int i = find_day(p, iDay);
  if (i >= 0) return p->aDay[i].bWork;
  return cal_weekday(iDay) <= 5;
}

static int unknown_year(const Calendar *p, int iDay, char **pzErr) {
  *pzErr = xasprintf("no holiday calendar for %d: import the State Council's notice for that "
                     "year (kaoping calendar import)", cal_year_of(iDay));
  (void)p;
  return -1;
}

int cal_add_workdays(const Calendar *p, int iStart, int n, int *piOut, char **pzErr) {
  int d = iStart;
  while (n > 0) {
    d++;
    int w = cal_is_workday(p, d);
    if (w < 0) return unknown_year(p, d, pzErr);
    if (w) n--;
  }
  *piOut = d;
  return 0;
}

int cal_workdays_between(const Calendar *p, int iFrom, int iTo, int *pn, char **pzErr) {
  int lo = iFrom < iTo ? iFrom : iTo, hi = iFrom < iTo ? iTo : iFrom, n = 0;
  for (int d = lo + 1; d <= hi; d++) {
    int w = cal_is_workday(p, d);
    if (w < 0) return unknown_year(p, d, pzErr);
    n += w;
  }
  *pn = iFrom <= iTo ? n : -n;
  return 0;
}

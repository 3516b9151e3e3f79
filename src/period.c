/*
** period.c: period codes (考核期) and the calendar arithmetic behind time progress
** (时序进度). Implements period.h; pure, no I/O, no clock.
**
** What this file is for: turning a code such as "2021-B3" into its months, its end date,
** the period before it, and the share of the year elapsed at its end. What it is not for:
** period states (open / closed / published) and deadlines, which belong to the store.
**
** The grammar is strict on purpose (SCORING.md "Periods" [S-PERIOD-CODES]): a code that is almost
*right,
** such as "2021-M3" or "2021-q1", is rejected with a message that shows the right form,
** because a silently reinterpreted period would score against the wrong time progress.
**
**   code    := YYYY "-" kind
**   kind    := "M" MM (01-12) | "B" d (1-6) | "Q" d (1-4) | "H" d (1-2) | "Y"
**
** The calendar is the proleptic Gregorian one, years 0001-9999.
*/
#include "period.h"

#include <stdio.h>
#include <string.h>

#include "util/mem.h"

/* Days in each month of a common year; February gains a day in leap years. */
static const int aPeriodMonthDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

static int period_is_leap(int iYear) {
  return (iYear % 4 == 0 && iYear % 100 != 0) || iYear % 400 == 0;
}

int period_days_in_year(int iYear) {
  return period_is_leap(iYear) ? 366 : 365;
}

static int period_month_days(int iYear, int iMonth) {
  return aPeriodMonthDays[iMonth - 1] + (iMonth == 2 && period_is_leap(iYear));
}

/* Fills the month span and the canonical code from iYear, eKind and iIndex, which the
** caller has range-checked. */
static void period_fill(Period *p) {
  int nSpan = 1;
  switch (p->eKind) {
  case PERIOD_MONTH:
    nSpan = 1;
    break;
  case PERIOD_BIMONTH:
    nSpan = 2;
    break;
  case PERIOD_QUARTER:
    nSpan = 3;
    break;
  case PERIOD_HALF:
    nSpan = 6;
    break;
  case PERIOD_YEAR:
    nSpan = 12;
    break;
  }
  p->iFirstMonth = (p->iIndex - 1) * nSpan + 1;
  p->iLastMonth = p->iIndex * nSpan;
  if (p->eKind == PERIOD_MONTH) {
    snprintf(p->zCode, sizeof p->zCode, "%04d-M%02d", p->iYear, p->iIndex);
  } else if (p->eKind == PERIOD_YEAR) {
    snprintf(p->zCode, sizeof p->zCode, "%04d-Y", p->iYear);
  } else {
    snprintf(p->zCode, sizeof p->zCode, "%04d-%c%d", p->iYear, (char)p->eKind, p->iIndex);
  }
}

static int period_fail(const char *zCode, char **pzErr, const char *zWhy) {
  if (pzErr) {
    /* The code is user input: show at most 40 bytes of it so a pasted paragraph does not
    ** flood the message. */
    *pzErr = xasprintf("bad period code \"%.40s\": %s (forms: 2021-M03, 2021-B2, 2021-Q1, "
                       "2021-H1, 2021-Y)",
                       zCode ? zCode : "", zWhy);
  }
  return -1;
}

static int period_digit(char c) {
  return c >= '0' && c <= '9';
}

int period_parse(const char *zCode, Period *p, char **pzErr) {
  if (!zCode || !*zCode) return period_fail(zCode, pzErr, "it is empty");
  size_t n = strlen(zCode);
  if (n < 6 || !period_digit(zCode[0]) || !period_digit(zCode[1]) || !period_digit(zCode[2]) ||
      !period_digit(zCode[3]) || zCode[4] != '-') {
    return period_fail(zCode, pzErr, "it must start with a four-digit year and '-'");
  }
  Period r;
  memset(&r, 0, sizeof r);
  r.iYear =
      (zCode[0] - '0') * 1000 + (zCode[1] - '0') * 100 + (zCode[2] - '0') * 10 + (zCode[3] - '0');
  if (r.iYear < 1) return period_fail(zCode, pzErr, "year 0000 does not exist");
  const char *zKind = zCode + 5;
  int nMax = 0;
  switch (zKind[0]) {
  case 'M':
    /* Months take exactly two digits, so that codes sort as text. */
    if (n != 8 || !period_digit(zKind[1]) || !period_digit(zKind[2])) {
      return period_fail(zCode, pzErr, "a month takes two digits, e.g. 2021-M03");
    }
    r.eKind = PERIOD_MONTH;
    r.iIndex = (zKind[1] - '0') * 10 + (zKind[2] - '0');
    nMax = 12;
    break;
  case 'B':
    r.eKind = PERIOD_BIMONTH;
    nMax = 6;
    break;
  case 'Q':
    r.eKind = PERIOD_QUARTER;
    nMax = 4;
    break;
  case 'H':
    r.eKind = PERIOD_HALF;
    nMax = 2;
    break;
  case 'Y':
    if (n != 6) return period_fail(zCode, pzErr, "nothing may follow Y");
    r.eKind = PERIOD_YEAR;
    r.iIndex = 1;
    nMax = 1;
    break;
  default:
    return period_fail(zCode, pzErr, "the kind must be M, B, Q, H or Y (upper case)");
  }
  if (r.eKind == PERIOD_BIMONTH || r.eKind == PERIOD_QUARTER || r.eKind == PERIOD_HALF) {
    if (n != 7 || !period_digit(zKind[1])) {
      return period_fail(zCode, pzErr, "B, Q and H take one digit, e.g. 2021-B3");
    }
    r.iIndex = zKind[1] - '0';
  }
  if (r.iIndex < 1 || r.iIndex > nMax) {
    char zWhy[64];
    snprintf(zWhy, sizeof zWhy, "the number after %c must be 1 to %d", zKind[0], nMax);
    if (r.eKind == PERIOD_MONTH) snprintf(zWhy, sizeof zWhy, "the month must be 01 to 12");
    return period_fail(zCode, pzErr, zWhy);
  }
  period_fill(&r);
  *p = r;
  return 0;
}

Period period_previous(const Period *p) {
  Period r = *p;
  if (r.iIndex > 1) {
    r.iIndex--;
  } else {
    /* Wrap to the last period of the year before: B1 -> B6, Q1 -> Q4, Y -> Y. */
    r.iYear--;
    switch (r.eKind) {
    case PERIOD_MONTH:
      r.iIndex = 12;
      break;
    case PERIOD_BIMONTH:
      r.iIndex = 6;
      break;
    case PERIOD_QUARTER:
      r.iIndex = 4;
      break;
    case PERIOD_HALF:
      r.iIndex = 2;
      break;
    case PERIOD_YEAR:
      r.iIndex = 1;
      break;
    }
  }
  period_fill(&r);
  return r;
}

/* [S-PERIOD-END] the period ends on the last day of its last month. */
int period_end_day_of_year(const Period *p) {
  int iDay = 0;
  for (int m = 1; m <= p->iLastMonth; m++)
    iDay += period_month_days(p->iYear, m);
  return iDay;
}

/* SCORING.md timeprogress: tp = month of period end / 12 (time_basis month), or days
** elapsed to period end / days in year (time_basis day). The period end is the last day of
** its last month, and "days elapsed" counts that day, so 2021-B3 gives 181/365. */
double period_time_progress(const Period *p, int bDayBasis) {
  if (bDayBasis) {
    return (double)period_end_day_of_year(p) / (double)period_days_in_year(p->iYear);
  }
  return (double)p->iLastMonth / 12.0;
}

void period_end_date(const Period *p, char *z) {
  snprintf(z, 11, "%04d-%02d-%02d", p->iYear, p->iLastMonth,
           period_month_days(p->iYear, p->iLastMonth));
}

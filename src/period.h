/*
** period.h: period codes (考核期) and time progress (时序进度). Pure, no I/O.
**
** Codes, as SCORING.md defines them: 2021-M03 (month), 2021-B2 (bimonth: Mar-Apr),
** 2021-Q1, 2021-H1, 2021-Y. A period ends on the last day of its last month.
*/
#ifndef KP_PERIOD_H
#define KP_PERIOD_H

typedef enum { PERIOD_MONTH = 'M', PERIOD_BIMONTH = 'B', PERIOD_QUARTER = 'Q',
               PERIOD_HALF = 'H', PERIOD_YEAR = 'Y' } PeriodKind;

typedef struct Period {
  int iYear;
  PeriodKind eKind;
  int iIndex;      /* 1-based within the year (month 1-12, bimonth 1-6, ...); 1 for Y */
  int iFirstMonth; /* 1-12 */
  int iLastMonth;  /* 1-12: the period ends on the last day of this month */
  char zCode[16];  /* canonical code, e.g. "2021-B3" */
} Period;

/* Parses a code. Returns 0, or -1 with a reason in *pzErr (malloc'd). */
int period_parse(const char *zCode, Period *p, char **pzErr);
/* The period of the same kind before p (2021-B1 -> 2020-B6). */
Period period_previous(const Period *p);
/* Day of year (1-based) of the period's last day, and the number of days in its year. */
int period_end_day_of_year(const Period *p);
int period_days_in_year(int iYear);
/* Time progress at period end: month basis = last month / 12; day basis = end day / days. */
double period_time_progress(const Period *p, int bDayBasis);
/* The period's end date as "YYYY-MM-DD" into z (at least 11 bytes). */
void period_end_date(const Period *p, char *z);

#endif

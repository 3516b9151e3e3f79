/*
** place.h: places on the red-heritage map (红色地图), the pure part: datum conversion into
** GCJ-02 (the datum of the DataV map shapes, ../shared/data/geo/SOURCE.md), distances and
** the length of a route. No I/O; place_store.c stores places, contact points, visits and
** honours.
**
** Datums: GPS and photo EXIF give WGS-84; AMap (高德) and the map shapes use GCJ-02; Baidu
** uses BD-09. Points are stored in GCJ-02 so that they fall where they should on the map.
** place_wgs84_to_gcj02 is the standard published conversion (the constants of the
** Krasovsky 1940 ellipsoid a = 6378245 m, ee = 0.00669342162296594323, and the two
** polynomial offsets, as in eviltransform and coordtransform); it leaves points outside
** China unchanged, as those implementations do. tests/unit/test_place.c checks it against
** their published sample points. place_bd09_to_gcj02 is the published inverse of Baidu's
** offset (x_pi = pi*3000/180).
**
** A route is drawn as straight segments between the chosen sites in the chosen order, with
** great-circle (haversine, R = 6371.0088 km) distances: not a road route. The pages say so.
*/
#ifndef KP_PLACE_H
#define KP_PLACE_H

/* Is (lon, lat) outside the box where the GCJ-02 offset applies? */
int place_out_of_china(double rLon, double rLat);
/* WGS-84 -> GCJ-02. */
void place_wgs84_to_gcj02(double rLon, double rLat, double *pLon, double *pLat);
/* BD-09 -> GCJ-02. */
void place_bd09_to_gcj02(double rLon, double rLat, double *pLon, double *pLat);
/* Great-circle distance in km. */
double place_distance_km(double rLon1, double rLat1, double rLon2, double rLat2);

/* Kinds: red (红色遗址), youth (青少年教育基地), contact (基层联点). */
int place_kind_valid(const char *z);
/* Datums a source point may be in (schema: place.datum). */
int place_datum_valid(const char *z);
/* Converts (lon, lat) in datum zDatum to GCJ-02; "unknown" and "address" are kept as they
** are (the caller marks them approximate). 0, or -1 for an unknown datum name. */
int place_to_gcj02(const char *zDatum, double rLon, double rLat, double *pLon, double *pLat);
/* Hengyang's bounding box from hengyang-430400.geojson (111.5436-113.2839 E,
** 26.1011-27.4683 N), widened by 0.05 degrees: a point outside is a typing mistake. */
int place_in_hengyang(double rLon, double rLat);

#endif

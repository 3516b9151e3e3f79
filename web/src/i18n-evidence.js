// Labels of the evidence panel (证据材料: photos, videos, PDF reports on findings, tasks,
// projects, wishes), merged into i18n.js. Chinese first; English for the switch.
export const evZh = {
  'ev.title': '证据材料', 'ev.upload': '上传照片/视频/PDF', 'ev.none': '暂无证据材料',
  'ev.hint': '支持 JPEG、PNG、WebP、MP4、PDF(按文件内容识别),单个文件不超过 {mb} MB。',
  'ev.uploaded': '已上传', 'ev.failed': '上传失败', 'ev.by': '上传人', 'ev.at': '上传时间',
  'ev.taken': '拍摄时间', 'ev.pos': '拍摄位置', 'ev.open': '查看', 'ev.size': '大小',
  'ev.stripped': '照片已去除位置信息', 'ev.kb': 'KB',
}
export const evEn = {
  'ev.title': 'Evidence', 'ev.upload': 'Upload photo / video / PDF', 'ev.none': 'No evidence yet',
  'ev.hint': 'JPEG, PNG, WebP, MP4 or PDF (recognised by content), at most {mb} MB per file.',
  'ev.uploaded': 'Uploaded', 'ev.failed': 'Upload failed', 'ev.by': 'By', 'ev.at': 'Uploaded at',
  'ev.taken': 'Taken', 'ev.pos': 'Position', 'ev.open': 'Open', 'ev.size': 'Size',
  'ev.stripped': 'Location removed from photos', 'ev.kb': 'KB',
}

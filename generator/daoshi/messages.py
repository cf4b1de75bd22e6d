"""Problem codes and their messages in Chinese (default) and English.

Codes are stable: a school's people search for them. Every code here is documented in
docs/errors.md (a test keeps the two in step). F = the file's bytes and YAML, R = one
file against its form, X = rules across files.

One module, not several: it is a table (one code, its two texts, a line each) that people
search, plus the few functions that format it; splitting it by group would scatter the
one list a school's IT person reads from top to bottom.
"""

from __future__ import annotations

from typing import Any

from daoshi.errors import Location, Problem

# code: (Chinese message, English message)
MESSAGES: dict[str, tuple[str, str]] = {
    "F001": ("无法读取文件：{error}", "cannot read the file: {error}"),
    "F002": (
        "不是 UTF-8 编码（文件第 {byte} 个字节），请用 UTF-8 保存",
        "not UTF-8 (byte {byte} of the file); save the file as UTF-8",
    ),
    # F003 (a BOM) and F004 (CR line ends) are retired, not reused: both are now accepted
    "F005": ("YAML 中不能使用制表符（Tab），请改用空格", "tab character in YAML; use spaces"),
    "F006": ("文件是空的", "the file is empty"),
    "F007": (
        "文件过大（{size} 字节，上限 {limit}），未读取",
        "file too large ({size} bytes, limit {limit}); not read",
    ),
    "F008": (
        "记录文件必须以一行 --- 开头（YAML 头部）",
        "a record must start with a --- line (front matter)",
    ),
    "F009": ("YAML 头部缺少结尾的 --- 行", "front matter has no closing --- line"),
    "F010": ("YAML 语法错误：{detail}", "YAML syntax error: {detail}"),
    "F011": ("不允许使用 YAML 标签 {tag}", "YAML tag {tag} is not allowed"),
    "F012": (
        "不允许使用 YAML 锚点和别名（&、*）",
        "YAML anchors and aliases (&, *) are not allowed",
    ),
    "F013": (
        "重复的键“{key}”（第 {line} 行已有）",
        'duplicate key "{key}" (already on line {line})',
    ),
    "F014": (
        "“{text}”含义不明确：是/否请写 true/false，文字或带前导零的编号请加引号",
        '"{text}" is ambiguous: write true/false for yes/no, quote text and numbers with leading zeros',
    ),
    "F015": (
        "文件顶层必须是“键: 值”形式的映射",
        "the top level must be a mapping of keys to values",
    ),
    "F016": (
        "不属于记录仓库结构的文件（见 docs/records.md）：{hint}",
        "file is not part of the records layout (see docs/records.md): {hint}",
    ),
    "F018": (
        "不可见的控制字符或特殊换行符 {char}，请删除",
        "invisible control character or line separator {char}; remove it",
    ),
    "F017": ("嵌套超过 {depth} 层", "nested deeper than {depth} levels"),
    "F019": (
        "文件是 UTF-16 编码（记事本的“Unicode”），请另存为 UTF-8",
        'the file is UTF-16 (Notepad\'s "Unicode"); save it as UTF-8',
    ),
    "F020": (
        "YAML 头部要以 --- 行结束，这里写的是 ...",
        "end the front matter with a --- line, not ...",
    ),
    "F021": (
        "引号中的转义 {escape} 写出了不可见或无效的字符 {char}，请删除",
        "the escape {escape} in quotes writes an invisible or invalid character {char}; remove it",
    ),
    "R101": (
        "未知字段“{key}”（{form}没有这个字段）",
        'unknown field "{key}" ({form} has no such field)',
    ),
    "R102": ("缺少必填字段“{label}”（{key}）", 'missing required field "{label}" ({key})'),
    "R103": (
        "“{label}”应为{expected}，实际是{actual}",
        '"{label}" must be {expected}, not {actual}',
    ),
    "R104": (
        "“{label}”的值“{value}”不在允许范围内：{allowed}",
        '"{label}": "{value}" is not one of {allowed}',
    ),
    "R105": (
        "“{label}”日期格式错误“{value}”，应写成 2025-10-12",
        '"{label}": bad date "{value}"; write it as 2025-10-12',
    ),
    "R106": ("“{label}”日期不存在：{value}", '"{label}": no such date: {value}'),
    "R107": ("“{label}”{limit}", '"{label}": {limit}'),
    "R108": ("“{label}”格式不符合要求（{pattern}）", '"{label}" does not match {pattern}'),
    "R109": ("正文“{label}”不能为空", 'the body "{label}" must not be empty'),
    "R110": (
        "未知的记录种类“{kind}”，可用：{allowed}",
        'unknown record kind "{kind}"; known: {allowed}',
    ),
    "R111": ("键必须是简单的文字", "keys must be plain text"),
    "R112": (
        "“{label}”不能用“{value}”：{why}",
        '"{label}" may not be "{value}": {why}',
    ),
    "R113": (
        "“{label}”太长（{length} 个字符，最多 {limit} 个）：编号会成为文件名和网址",
        '"{label}" is too long ({length} characters, at most {limit}): IDs become file names and URLs',
    ),
    "X201": ("未知的学生学号“{id}”", 'unknown student ID "{id}"'),
    "X202": ("未知的教师工号“{id}”", 'unknown teacher ID "{id}"'),
    "X203": ("未知的班级“{id}”", 'unknown class ID "{id}"'),
    "X204": ("未知的学期“{id}”", 'unknown semester "{id}"'),
    "X205": ("未知的政策“{id}”，可用：{allowed}", 'unknown policy "{id}"; known: {allowed}'),
    "X206": ("重复的{what}“{id}”（{other} 已使用）", 'duplicate {what} "{id}" (also in {other})'),
    "X207": (
        "日期 {date} 不在学期 {semester}（{start} 至 {end}）内",
        "date {date} is outside semester {semester} ({start} to {end})",
    ),
    "X208": ("日期 {date} 晚于今天（{today}）", "date {date} is in the future (today is {today})"),
    "X209": (
        "学生 {student} 不是导师 {mentor} 在 {semester} 学期的受导学生",
        "student {student} is not a mentee of {mentor} in {semester}",
    ),
    "X210": (
        "导师 {mentor} 有 {count} 名受导学生，超过政策上限 {cap}",
        "mentor {mentor} has {count} mentees, over the cap of {cap}",
    ),
    "X211": (
        "学生 {student} 在 {semester} 学期没有导师",
        "student {student} has no mentor in {semester}",
    ),
    "X212": (
        "文件名与内容不一致：{field} 在路径中是“{in_path}”，文件中是“{in_file}”",
        'file name does not match its content: {field} is "{in_path}" in the path, "{in_file}" in the file',
    ),
    "X213": ("学期日期有误：{detail}", "semester dates are wrong: {detail}"),
    "X214": (
        "重点帮扶对象 {student} 不在导师 {mentor} 的受导学生中",
        "key student {student} is not among mentor {mentor}'s mentees",
    ),
    "X215": (
        "班级 {class_id} 不属于 {cohort} 级",
        "class {class_id} does not belong to cohort {cohort}",
    ),
    "X216": ("缺少必需的文件 {file}", "required file {file} is missing"),
    "X217": ("“{id}”在同一列表中出现了两次", '"{id}" is listed twice'),
    "M301": ("表单定义有误：{detail}", "bad form definition: {detail}"),
    "X218": (
        "学生 {student} 在 {semester} 学期不在校（{why}）",
        "student {student} is not at school in {semester} ({why})",
    ),
    # import: spreadsheets (I401-I409), rosters (I410-I429), preferences (I430-I449)
    "I401": ("无法读取表格文件：{error}", "cannot read the spreadsheet: {error}"),
    "I402": (
        "无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV，或直接用 XLSX",
        "unknown encoding; save the CSV as UTF-8 or GBK, or use XLSX",
    ),
    "I403": (
        "找不到表头或缺少必需的列：{columns}",
        "no header row, or required columns missing: {columns}",
    ),
    "I404": (
        "单元格是公式 {formula}，请复制后“粘贴为数值”再导入",
        "the cell holds a formula {formula}; paste it as values before importing",
    ),
    "I405": (
        "列“{header}”重复（第 {col} 列已是同一项）",
        'column "{header}" appears twice (column {col} is the same field)',
    ),
    "I406": ("找不到工作表“{sheet}”（可用：{sheets}）", 'no sheet "{sheet}" (sheets: {sheets})'),
    "I407": (
        "不支持的文件类型 {suffix}，请用 .xlsx 或 .csv",
        "unsupported file type {suffix}; use .xlsx or .csv",
    ),
    "I408": ("单元格是错误值 {value}，请改正公式或填写数值", "the cell is an error value {value}"),
    "I410": ("“{column}”不能为空", '"{column}" must not be empty'),
    "I411": ("编号 {id} 重复（第 {row} 行已有）", "ID {id} appears twice (already on row {row})"),
    "I412": (
        "编号“{id}”不合格：只能用字母、数字和连字符",
        'ID "{id}" is not valid: use letters, digits and hyphens only',
    ),
    "I413": (
        "性别“{value}”无法识别，请写 男 或 女",
        'gender "{value}" not understood; write 男 or 女',
    ),
    "I414": (
        "班级“{value}”无法识别，请写 3、3班、初一(3)班 或 C2025-03",
        'class "{value}" not understood; write 3, 3班, 初一(3)班 or C2025-03',
    ),
    "I415": (
        "无法确定入学年份（“{value}”）：请填写 入学年份 或 年级",
        'cannot tell the entry year ("{value}"); fill in 入学年份 or 年级',
    ),
    "I416": (
        "日期“{value}”无法识别，请写 2025-09-01",
        'date "{value}" not understood; write 2025-09-01',
    ),
    "I417": (
        "学号 {id} 已在 {cohort} 级名单中，不能改到 {other} 级（留级、跳级请手工调整）",
        "student {id} is in cohort {cohort}, not {other} (move them by hand)",
    ),
    "I418": (
        "“{value}”无法识别为职务或身份（可用：{known}）",
        '"{value}" is not a known role or tag ({known})',
    ),
    "I419": ("邮箱“{value}”格式不对", 'e-mail "{value}" is not valid'),
    "I420": (
        "“{value}”太长（最多 {limit} 个字）",
        '"{value}" is too long (at most {limit} characters)',
    ),
    "I421": (
        "任教班级“{value}”不存在或无法识别",
        'taught class "{value}" does not exist or is not understood',
    ),
    "I422": ("名单中没有一名学生", "the roster has no students"),
    "I423": (
        "教师 {id} 没有邮箱，请填写“邮箱”列（用于把提交对应到教师）",
        "teacher {id} has no e-mail; fill in the e-mail column",
    ),
    "I424": ("编号“{id}”不能用：{why}", 'ID "{id}" cannot be used: {why}'),
    "I425": (
        "编号“{id}”与“{other}”只差大小写：在 Windows 和 macOS 上是同一个文件名",
        'ID "{id}" differs from "{other}" only in case: one file name on Windows and macOS',
    ),
    "I430": ("未知的学生“{value}”", 'unknown student "{value}"'),
    "I431": ("未知的导师“{value}”", 'unknown mentor "{value}"'),
    "I432": (
        "导师姓名“{value}”对应多位教师（{ids}），请写工号",
        'mentor name "{value}" matches several teachers ({ids}); write the ID',
    ),
    "I433": ("志愿中重复选择了导师 {mentor}", "mentor {mentor} is chosen twice"),
    "I434": (
        "学生 {student} 的志愿出现两次（第 {row} 行已有）",
        "student {student} appears twice (already on row {row})",
    ),
    "I435": (
        "名额“{value}”应是 0 到 {limit} 的整数",
        'capacity "{value}" must be a whole number from 0 to {limit}',
    ),
    "I436": (
        "学生 {student} 在 {semester} 学期不在校",
        "student {student} is not at school in {semester}",
    ),
    "I446": (
        "学生 {student} 的需求问卷出现两次（第 {row} 行已有）",
        "student {student}'s needs questionnaire appears twice (already on row {row})",
    ),
    "I447": ("导师重复选择了学生 {student}", "student {student} is chosen twice"),
    "I449": (
        "“{value}”不是需求问卷“希望导师帮助的方面”的选项（可用：{known}）",
        '"{value}" is not one of the areas of the needs questionnaire ({known})',
    ),
    "I448": (
        "导师 {mentor} 选择了 {count} 名学生，超过名额 {limit}",
        "mentor {mentor} chose {count} students, more than the capacity {limit}",
    ),
    # write rules: the pre-receive hook (W7xx)
    "W701": (
        "只有管理员可以修改这个文件（{hint}）",
        "only the admin may change this file ({hint})",
    ),
    "W702": (
        "不能删除已推送的文件：更正请提交新的修改；确需删除（重复录入、文件名写错）请联系管理员",
        "pushed files are not deleted: correct them in a new commit; ask the admin to remove a duplicate",
    ),
    "W703": (
        "{semester} 学期已结束（有标签 close/{semester}），记录不能再修改；确需更正请联系管理员",
        "semester {semester} is closed (tag close/{semester}); ask the admin for a correction",
    ),
    "W704": (
        "{student} 不是 {teacher} 在 {semester} 学期的受导学生（见该学期 pairings.yaml），不能写这名学生的记录",
        "{student} is not a mentee of {teacher} in {semester} (see that semester's pairings.yaml)",
    ),
    "W705": (
        "{teacher} 不能改动导师 {mentor} 的记录：只能写自己受导学生的记录；班主任只能修改（不能新增）本班学生的记录",
        "{teacher} may not change mentor {mentor}'s records; a class teacher may only edit records of the class's students",
    ),
    "W706": (
        "只有管理员可以推送标签（推送者 {user}）",
        "only the admin pushes tags (pusher {user})",
    ),
    "W707": (
        "不是快进推送：{old} 不是 {new} 的祖先，已推送的历史不能改写；请先 git pull 再推送",
        "not a fast-forward: {old} is not an ancestor of {new}; pushed history is not rewritten, pull first",
    ),
    "W708": (
        "不能删除分支：记录的历史要永久保留",
        "branches are not deleted: the records' history is kept",
    ),
    "W709": (
        "提交没有通过 daoshi validate 检查（{count} 个问题，前面已列出的不再重复）",
        "the commit does not pass daoshi validate ({count} problems; those listed before are not repeated)",
    ),
    "W710": (
        "无法确定推送者：环境变量 {variable} 为“{user}”，不是 people/teachers.yaml 中任何教师的工号或邮箱",
        'unknown pusher: {variable} is "{user}", not the ID or e-mail of a teacher in people/teachers.yaml',
    ),
    "W711": (
        "标签已存在，不能移动（管理员可以先删除旧标签再新建）",
        "the tag exists and is not moved (the admin may delete it and create it again)",
    ),
    "W712": (
        "只接受主分支 {branch} 的推送（管理员还可以推送标签）：这个引用不能推送",
        "only the main branch {branch} is pushed (and tags, by the admin): this ref is refused",
    ),
    "W713": (
        "任何人都不能推送 refs/replace/：它会在 git log 中悄悄替换提交",
        "no one pushes refs/replace/: it silently swaps commits in git log",
    ),
    "W714": (
        "结档是永久的：结档标签不能删除或移动（任何人都不能）；需要更正请提交新的修改",
        "closing is permanent: a close tag is never deleted or moved, by anyone",
    ),
    "W715": (
        "结档标签必须是附注标签（git tag -a 或 -s，daoshi close-semester 会这样打），不能是轻量标签",
        "a close tag must be annotated (git tag -a or -s, as daoshi close-semester makes it)",
    ),
    "W716": (
        "结档标签必须指向主分支 {branch} 上的提交",
        "a close tag must point at a commit of the main branch {branch}",
    ),
    "W717": (
        "导师的记录目录中只能有记录文件（<学号或 group>/YYYY-MM-DD-<种类>.md），不能有其他文件或隐藏文件",
        "a journal folder holds only record files (<student or group>/YYYY-MM-DD-<kind>.md), no other or hidden files",
    ),
    "W718": (
        "{role}看不到{kind}的全部内容（访问矩阵中为 {level}，需要 {needed}），因此也不能写或改",
        "the {role} role does not see all of a {kind} ({level}, needs {needed}), so it may not write one",
    ),
    "W719": (
        "路径不能接受：{why}",
        "the path is refused: {why}",
    ),
    "W720": (
        "文件过大：{size} 字节，上限 {limit} 字节（管理员可用 git config daoshi.maxBlobSize 调整）",
        "file too large: {size} bytes, limit {limit} (the admin sets git config daoshi.maxBlobSize)",
    ),
    "W721": (
        "一次推送的{what}太多：{count} 个，上限 {limit} 个（请分几次推送；管理员可用 git config {key} 调整）",
        "too many {what} in one push: {count}, limit {limit} (push in parts; the admin sets git config {key})",
    ),
    "W722": (
        "不能推送有两个以上父提交的合并（章鱼合并）；请逐个合并，或改用 git pull --rebase",
        "octopus merges (more than two parents) are refused; merge one branch at a time or rebase",
    ),
    "W723": (
        "推送日志无法写入（{error}），推送被拒绝；请联系服务器管理员",
        "the push log cannot be written ({error}); the push is refused, tell the server's admin",
    ),
    "W724": (
        "学校要求签名（require_signed_commits），但{what}{status}",
        "the school requires signatures (require_signed_commits), but {what} {status}",
    ),
    "W725": (
        "签名的密钥属于 {signer}，不是推送者 {pusher} 的（people/teachers.yaml 的 signing_keys）",
        "signed with {signer}'s key, not the pusher {pusher}'s (signing_keys in people/teachers.yaml)",
    ),
    "W726": (
        "服务器上的 {branch} 刚被另一次推送更新（推送日志第 {entry} 条）：请 git pull 后再推送",
        "{branch} was just updated by another push (push log entry {entry}): pull, then push again",
    ),
    "W727": (
        "{student} 在 {date} 不是 {teacher} 的受导学生（对接期间：{spans}），不能写这一天的记录",
        "{student} is not a mentee of {teacher} on {date} (paired {spans})",
    ),
    "W728": (
        "这一部分（{part}）只有管理员可以修改；教师只能写考核组评价和签署、本科室的赋分、自己的学生选择和本班学生的需求问卷",
        "only the admin changes this part ({part}); teachers write the group's comment and sign-off, their office's scores, their own choices and their class's needs answers",
    ),
    "W729": (
        "{teacher} 不是考核组成员（能看到全校导师考核和导师所写记录的教师，如校领导、德育处、监督组），不能写导师 {mentor} 的考核组评价和签署",
        "{teacher} is not in the appraisal group (the roles that see every mentor's appraisal) and may not write mentor {mentor}'s comment and sign-off",
    ),
    "W730": (
        "导师 {mentor} 的考核结果已由 {signer} 签署，只有签署人本人或管理员可以修改",
        "mentor {mentor}'s result is signed by {signer}; only the signer or the admin changes it",
    ),
    "W731": (
        "考核组组长只能签自己的名字（{name}），不能写成“{signer}”",
        'a group leader signs with their own name ({name}), not "{signer}"',
    ),
    "W732": (
        "{teacher} 不负责{office}的赋分，不能写或改导师 {mentor} 的这项赋分（科室由管理员在教师名单中设定）",
        "{teacher} does not score for the office {office} and may not change mentor {mentor}'s score from it",
    ),
    "W733": (
        "{mentor} 不是 {semester} 学期的导师（对接表中没有），不能为 TA 写考核评价或赋分",
        "{mentor} is not a mentor in {semester} (not in the pairings) and is not appraised",
    ),
    "W734": (
        "{teacher} 只能填写自己的导师选择，不能改导师 {mentor} 的选择和名额",
        "{teacher} writes only their own choice of students, not mentor {mentor}'s",
    ),
    "W735": (
        "学生 {student} 不在 {teacher} 可以选择的学生中（任教班级的学生、志愿中选了你的学生、你能看到档案的学生）",
        "student {student} is not one {teacher} may choose (taught classes, students who chose them, students they see)",
    ),
    "W736": (
        "{teacher} 不是学生 {student} 本学期的班主任，不能填写或修改这名学生的需求问卷",
        "{teacher} is not student {student}'s class teacher this semester and may not enter the needs answers",
    ),
    "W737": (
        "{file}无法读取（YAML 有误或不是映射），不能判断改动了哪些项",
        "the {file} file cannot be read (bad YAML or not a mapping), so its changes cannot be judged",
    ),
    "W738": (
        "{teacher} 不能评价和签署自己的考核，请由考核组的其他成员填写",
        "{teacher} may not comment on or sign off their own appraisal; another member of the group does",
    ),
    # server: daoshi serve (S8xx)
    "S801": ("用户文件有误：{detail}", "bad users file: {detail}"),
    "S802": (
        "站点目录 {site} 中没有 audiences.json，请先运行 daoshi build --all-audiences",
        "no audiences.json in {site}; run daoshi build --all-audiences first",
    ),
    "S803": (
        "用户 {user} 的受众 {audience} 在 audiences.json 中没有对应的站点",
        "user {user}: audience {audience} has no site in audiences.json",
    ),
    "S804": (
        "audiences.json 中的站点目录“{folder}”不存在或名称不安全，不提供",
        'site folder "{folder}" in audiences.json is missing or unsafe; not served',
    ),
    "S805": ("提醒设置有误：{detail}", "bad alert settings: {detail}"),
    # import: surveys (I450-I459)
    "I450": (
        "导师 {mentor} 不在 people/teachers.yaml 中",
        "mentor {mentor} is not in people/teachers.yaml",
    ),
    "I451": (
        "评价人“{value}”应为“学生”或“家长”",
        'respondents "{value}" must be students or parents',
    ),
    "I452": (
        "“{column}”应是 {low} 到 {top} 之间的数，不是“{value}”",
        '"{column}" must be a number from {low} to {top}, not "{value}"',
    ),
    "I453": (
        "有效问卷数“{value}”应是 0 到 1000 的整数",
        'responses "{value}" must be a whole number from 0 to 1000',
    ),
    "I454": (
        "导师 {mentor} 的{respondents}评价出现两次（第 {row} 行已有）",
        "mentor {mentor}: {respondents} ratings appear twice (already on row {row})",
    ),
    "I455": (
        "没有学期 {semester}（records 的 semesters/ 中找不到）",
        "no semester {semester} in the records",
    ),
    "I456": ("学号 {student} 不在学生名单中", "student {student} is not in the roster"),
    "I457": (
        "学生 {student} 在 {semester} 学期的导师是 {mentors}，不是 {mentor}：只能评价本人的导师",
        "student {student}'s mentors in {semester} are {mentors}, not {mentor}: a student rates their own mentor",
    ),
    "I458": (
        "学生 {student} 对导师 {mentor} 的{respondents}评价出现两次（第 {row} 行已有）",
        "student {student}: {respondents} ratings of mentor {mentor} appear twice (already on row {row})",
    ),
    "P901": (
        "老师的页面上出现了{what}“{text}”：页面不能有文件路径、命令、字段代号或英文界面文字"
        "（允许的例外在 daoshi/site/wording.py 的 ALLOWED）",
        'a teacher\'s page shows internal text "{text}" ({what}): no file paths, commands, '
        "field IDs or English UI text (allowed exceptions: ALLOWED in daoshi/site/wording.py)",
    ),
    # appraisal: policies and rubrics (A5xx)
    "A501": (
        "政策 {policy} 的第 {index} 项义务有误：{detail}",
        "policy {policy}, obligation {index}: {detail}",
    ),
    "A502": ("考核表定义有误：{detail}", "bad rubric definition: {detail}"),
    "A503": (
        "{rubric} 按考试名次计分，区文件禁止按考试成绩给学生排名；只有 school.yaml 中 exam_ranking: true 的学校才能使用",
        "{rubric} scores by exam rank, which the district forbids; it needs exam_ranking: true in school.yaml",
    ),
    "A504": (
        "{semester} 学期的政策（{policies}）没有对应的考核表（forms/rubrics/）",
        "semester {semester}: no rubric in forms/rubrics/ for its policies ({policies})",
    ),
    "A505": ("政策 {policy} 的设置有误：{detail}", "policy {policy}: {detail}"),
    "A506": (
        "认定不履行导师职责需要写明认定日期（neglect_date）和认定机构（neglect_by）",
        "a neglect finding needs its date (neglect_date) and deciding body (neglect_by)",
    ),
    # 太谷附表四“被谈话人签字”: the student's acknowledgement of a talk record
    "X230": (
        "学生签字日期 {signed} 早于谈话日期 {date}",
        "the student acknowledged on {signed}, before the talk on {date}",
    ),
    "X231": (
        "被谈话人签字要同时写明方式（student_signed）和日期（student_signed_on）",
        "the student's acknowledgement needs both how (student_signed) and when (student_signed_on)",
    ),
    # 太谷附表五“考核组评价”“考核组组长”: the appraisal group's sign-off
    "A510": (
        "考核组的签署要同时写明考核组组长（group_leader）和签署日期（signed_on）",
        "the appraisal group's sign-off needs both the leader (group_leader) and the date (signed_on)",
    ),
    "A511": (
        "签署日期 {date} 早于学期开始（{start}）",
        "signed on {date}, before the semester starts ({start})",
    ),
    # rules across files: dated pairings (a mid-year change of mentor)
    "X219": (
        "对接的结束日期 {end} 早于开始日期 {start}",
        "the pairing ends on {end}, before it starts on {start}",
    ),
    "X220": (
        "学生 {student} 在 {date} 不是导师 {mentor} 的受导学生（对接期间：{spans}）",
        "student {student} is not a mentee of {mentor} on {date} (paired {spans})",
    ),
    "X221": (
        "学生 {student} 在 {start} 至 {end} 没有导师（对接表中的起止日期之间有空档）",
        "student {student} has no mentor from {start} to {end} (a gap between dated pairings)",
    ),
    "X222": (
        "评分满分应为 5 或 100，不是“{value}”",
        'the rating scale must be 5 or 100, not "{value}"',
    ),
    "X223": (
        "平均分 {value} 超出满分 {scale} 的范围（{low} 至 {top}）",
        "average {value} is outside the {scale} scale ({low} to {top})",
    ),
    "X224": (
        "{what}“{id}”与“{other_id}”（{other}）只差大小写：在 Windows 和 macOS 上是同一个文件名",
        '{what} "{id}" differs from "{other_id}" ({other}) only in case: one file name on Windows and macOS',
    ),
    # 教师人人是导师 and 1+X, where the semester's policy asks (settings.every_teacher, key_student)
    "X225": (
        "教师 {teacher} 在 {semester} 学期没有受导学生（政策 {policy}：“教师人人是导师”）",
        "teacher {teacher} has no mentees in {semester} (policy {policy}: every teacher a mentor)",
    ),
    "X226": (
        "导师 {mentor} 在 {semester} 学期没有重点帮扶对象（政策 {policy}：“1+X”）",
        "mentor {mentor} has no key student in {semester} (policy {policy}: 1+X)",
    ),
    # issue 20: a progress record's exam result (枣庄, 区), a follow-up's colleagues (太谷, 青实)
    "X235": (
        "本校不按考试成绩排名（学校设置中“允许按考试排名”为否），不能记“班级名次”：请改记“成绩区间”（区文件：“不得对考试、测验成绩进行排名，可采用百分比区间等形式”）",
        "this school does not rank students by exams (exam_ranking is false in school.yaml): record the percentage band, not a class rank",
    ),
    "X236": (
        "考试名称和考试成绩要一起写：写了考试就写成绩区间，写了成绩就写是哪次考试",
        "an exam and its result go together: name the exam and give its band",
    ),
    "X238": (
        "{date} 不是本学期的家长接待日（学期日程中的接待日：{days}）：请改选其他联系方式，或请管理员在学期日程中加上这一天",
        "{date} is not one of the semester's parent reception days ({days}): pick another channel or add the day to semester.yaml",
    ),
    "X237": (
        "沟通的教师 {teacher} 是写这份记录的导师本人：请写与之沟通的班主任或科任教师",
        "colleague {teacher} is the mentor who writes the record: name the class or subject teachers consulted",
    ),
    "X245": (
        "提名人 {teacher} 不是学生 {student} 在 {semester} 学期的班主任（{class_teacher}）："
        "排查名单由班主任提名",
        "proposer {teacher} is not the class teacher ({class_teacher}) of student {student} "
        "in {semester}: class teachers propose",
    ),
    "X246": (
        "双向选中的学生 {student} 不在导师 {mentor} 的受导学生中",
        "mutually chosen student {student} is not among mentor {mentor}'s mentees",
    ),
    # issue 20, 太谷：“每位导师负责1—2个学习小组或10名学生（班主任导师可负责2—3个学习小组……）”
    "X250": (
        "学习小组“{group}”中的学生 {student} 不是导师 {mentor} 的受导学生",
        'student {student} of study group "{group}" is not a mentee of {mentor}',
    ),
    "X251": (
        "学生 {student} 已在导师 {mentor} 的学习小组“{other}”中：一名学生只在一个小组里",
        'student {student} is already in {mentor}\'s study group "{other}"',
    ),
    "X252": (
        "导师 {mentor} 有两个学习小组都叫“{group}”",
        'mentor {mentor} has two study groups named "{group}"',
    ),
    # issue 20, 青实：“各年级组成立……工作小组，负责拟定具有年级特色的管理细则要求”
    "X254": (
        "年级政策中的入学年份 {cohort} 不是本学期的年级，或写了两次（本学期的年级：{cohorts}）",
        "grade_policies: cohort {cohort} is not a grade of this semester or is named twice (grades: {cohorts})",
    ),
    "X255": (
        "年级细则要改的义务“{id}”不在政策 {policy} 中（可改的学生义务：{known}）；"
        "要新增一项义务，请写全 per、kind 和 every",
        'grade rules: policy {policy} has no obligation "{id}" to change (per-student ones: '
        "{known}); to add one, give its per, kind and every",
    ),
    "X256": (
        "义务“{id}”是导师本人的义务（政策 {policy}），全校统一，年级细则不能改写或新增",
        'obligation "{id}" is a per-mentor one (policy {policy}): it stays school-wide, '
        "a grade's rules cannot change or add it",
    ),
    "X257": (
        "年级细则中义务“{id}”的“{field}”不是政策义务可写的项（可写：{allowed}）",
        'grade rules: "{field}" of obligation "{id}" is not a field of a policy\'s obligation '
        "(allowed: {allowed})",
    ),
    "X258": (
        "年级细则改写后的义务“{id}”有误：{detail}",
        'grade rules: obligation "{id}" as changed is wrong: {detail}',
    ),
    "X253": (
        "导师 {mentor} 负责 {count} 个学习小组，超过政策上限 {cap}（政策 {policy}）",
        "mentor {mentor} leads {count} study groups, over the cap of {cap} (policy {policy})",
    ),
}

# Facts to show and flag, not reasons to refuse (issue: "a bad record must not stop the
# school"): the file is read and typed, the engines count it or not by their settings.
# X207 is a fact on a record (dated outside its semester) and an error on a pairing.
FACT_CODES = frozenset({"X210", "X211", "X221", "X225", "X226", "X253"})


def is_fact(found: Problem) -> bool:
    """Whether a problem is a fact to show (提示), not an error that makes a file unusable."""
    if found.code == "X207":
        return "/journal/" in found.location.path
    return found.code in FACT_CODES


LANGUAGES = ("zh", "en")
_language = "zh"


def set_language(lang: str) -> None:
    """Choose the language of messages made from now on (``zh`` or ``en``)."""
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {LANGUAGES}")
    _language = lang


def language() -> str:
    """The language messages are made in."""
    return _language


def problem(location: Location, code: str, **args: Any) -> Problem:
    """Make a located ``Problem`` with the message for ``code`` in the current language."""
    zh, en = MESSAGES[code]
    template = zh if _language == "zh" else en
    return Problem(location, code, template.format(**args))


# Type names for R103, by form type and by the YAML value found.
EXPECTED = {
    "string": ("文字", "text"),
    "text": ("文字", "text"),
    "id": ("带引号或以字母开头的编号", "an ID (text)"),
    "ref": ("编号（文字）", "an ID (text)"),
    "kind": ("记录种类代号", "a kind code"),
    "integer": ("整数", "a whole number"),
    "number": ("数字", "a number"),
    "boolean": ("true 或 false", "true or false"),
    "date": ("日期", "a date"),
    "enum": ("选项", "one of the options"),
    "list": ("列表", "a list"),
    "object": ("映射（键: 值）", "a mapping"),
    "mapping": ("映射（键: 值）", "a mapping"),
}


def expected(form_type: str) -> str:
    """What a form type expects, in the current language."""
    zh, en = EXPECTED[form_type]
    return en if _language == "en" else zh


def describe(value: Any) -> str:
    """What a YAML value is, in the current language, for R103."""
    if value is None:
        pair = ("空值", "empty")
    elif isinstance(value, bool):
        pair = ("true/false", "true/false")
    elif isinstance(value, int):
        pair = (f"整数 {value}", f"the number {value}")
    elif isinstance(value, float):
        pair = (f"数字 {value}", f"the number {value}")
    elif isinstance(value, list):
        pair = ("列表", "a list")
    elif isinstance(value, dict):
        pair = ("映射", "a mapping")
    else:
        pair = (f"文字“{value}”", f'the text "{value}"')
    return pair[1] if _language == "en" else pair[0]


def limit_text(kind: str, bound: object) -> str:
    """The R107 detail: which limit a value broke."""
    zh, en = {
        "min": ("不能小于 {b}", "must be at least {b}"),
        "max": ("不能大于 {b}", "must be at most {b}"),
        "min_items": ("至少需要 {b} 项", "needs at least {b} items"),
        "max_items": ("最多 {b} 项", "allows at most {b} items"),
        "max_length": ("最长 {b} 个字", "allows at most {b} characters"),
    }[kind]
    return (en if _language == "en" else zh).format(b=bound)


def summary_text(
    files: int, people: tuple[int, int, int] | None, kinds: list[tuple[str, int]], cached: bool
) -> str:
    """The closing summary of ``daoshi validate``; ``people`` is (semesters, teachers, students)."""
    records = sum(n for _, n in kinds)
    if _language == "en":
        text = f"Checked {files} files"
        if people:
            text += f": {people[0]} semesters, {people[1]} teachers, {people[2]} students"
        text += f", {records} records"
        text += f" ({', '.join(f'{label} {n}' for label, n in kinds)})" if kinds else ""
        return text + (" (from cache)" if cached else "") + "."
    text = f"已检查 {files} 个文件"
    if people:
        text += f"：{people[0]} 个学期，{people[1]} 名教师，{people[2]} 名学生"
    text += f"，{records} 份记录" + (
        f"（{'，'.join(f'{lb} {n}' for lb, n in kinds)}）" if kinds else ""
    )
    return text + ("（使用缓存）" if cached else "") + "。"


def verdict(count: int, notes: int = 0) -> str:
    """The last line of ``daoshi validate``: the errors, and the facts shown as notes."""
    if _language == "en":
        text = f"Found {count} problem{'s' if count != 1 else ''}" if count else "No problems found"
        return text + (f", {notes} note{'s' if notes != 1 else ''}." if notes else ".")
    text = f"发现 {count} 个问题" if count else "没有发现问题"
    return text + (f"，另有 {notes} 条提示。" if notes else "。")


def notes_heading() -> str:
    """The line before the facts ``daoshi validate`` shows as notes."""
    if _language == "en":
        return "Notes (the records are used; check these facts):"
    return "提示（记录照常使用，考核和站点按设置计算；请核对以下情况）："

"""The demo brand: a kitchen-and-bath chain with three regions and twelve stores."""

BRAND = {"name": "悦家厨卫", "service_phone": "400-820-1234"}

REGIONS = [
    ("east", "华东区"),
    ("south", "华南区"),
    ("north", "华北区"),
]

# (code, region, city, name, address, communities nearby)
STORES = [
    ("sh-xuhui", "east", "上海", "上海徐汇旗舰店", "徐汇区漕溪北路 88 号 1 楼", ["徐汇苑", "汇成新村", "龙华新城", "滨江壹号"]),
    ("sh-pudong", "east", "上海", "上海浦东金桥店", "浦东新区金桥路 1299 号", ["碧云国际社区", "金桥新城", "联洋花园"]),
    ("hz-xihu", "east", "杭州", "杭州西湖店", "西湖区文三路 478 号", ["西溪诚园", "翠苑一区", "文鼎苑"]),
    ("nj-xinjiekou", "east", "南京", "南京新街口店", "秦淮区中山南路 49 号", ["万科金域蓝湾", "月牙湖花园", "龙江小区"]),
    ("gz-tianhe", "south", "广州", "广州天河店", "天河区天河路 208 号", ["天河公园小区", "骏景花园", "华景新城"]),
    ("sz-nanshan", "south", "深圳", "深圳南山店", "南山区海德三道 126 号", ["蔚蓝海岸", "后海花园", "中信红树湾"]),
    ("fs-chancheng", "south", "佛山", "佛山禅城店", "禅城区季华五路 33 号", ["岭南天地", "保利花园", "绿景花园"]),
    ("xm-siming", "south", "厦门", "厦门思明店", "思明区湖滨南路 357 号", ["瑞景新村", "莲花五村", "禹洲花园"]),
    ("bj-chaoyang", "north", "北京", "北京朝阳店", "朝阳区东三环北路 27 号", ["望京花园", "远洋天地", "朝阳公园一号"]),
    ("tj-heping", "north", "天津", "天津和平店", "和平区南京路 189 号", ["万科城", "鲁能城", "海河大观"]),
    ("jn-lixia", "north", "济南", "济南历下店", "历下区泉城路 180 号", ["鲁能领秀城", "阳光舜城", "汇统花园"]),
    ("qd-shinan", "north", "青岛", "青岛市南店", "市南区香港中路 72 号", ["海信麦岛金岸", "浮山后小区", "万科城"]),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉宇浩然欣怡晨佳子涵梓轩雨"

PRODUCTS = [
    ("K-IS-01", "岛台一体厨房", "kitchen", "68800.00"),
    ("K-CB-02", "北欧白橱柜（每延米）", "kitchen", "3280.00"),
    ("K-QZ-03", "石英石台面（每延米）", "kitchen", "1680.00"),
    ("K-SK-04", "304 不锈钢手工水槽", "kitchen", "1899.00"),
    ("K-FA-05", "抽拉式厨房龙头", "kitchen", "899.00"),
    ("A-HD-01", "侧吸式油烟机", "appliance", "3999.00"),
    ("A-GS-02", "嵌入式燃气灶", "appliance", "2599.00"),
    ("A-DW-03", "嵌入式洗碗机 13 套", "appliance", "6999.00"),
    ("A-ST-04", "蒸烤一体机", "appliance", "7999.00"),
    ("B-TL-01", "智能马桶一体机", "bathroom", "4999.00"),
    ("B-SH-02", "恒温花洒套装", "bathroom", "2399.00"),
    ("B-VA-03", "岩板浴室柜 80cm", "bathroom", "3699.00"),
    ("B-BT-04", "亚克力浴缸 1.5m", "bathroom", "5299.00"),
    ("B-MR-05", "智能防雾镜柜", "bathroom", "1899.00"),
    ("W-RO-01", "厨下净水器 800G", "water", "3299.00"),
    ("W-PF-02", "前置过滤器", "water", "1299.00"),
    ("W-FL-03", "净水器 RO 滤芯（年度装）", "water", "599.00"),
]

# Demo sign-ins (all with the demo password). Printed by ``seed_demo`` and listed in README.md.
DEMO_PASSWORD = "demo12345"
DEMO_LOGINS = [
    ("hq", "总部运营"),
    ("supervisor", "华东区督导"),
    ("manager", "上海徐汇旗舰店店长"),
    ("assistant", "上海徐汇旗舰店导购"),
    ("partner", "上海徐汇旗舰店合作伙伴（水电师傅）"),
]

# --- Digital store (ORG-4): styles, solutions, cases -------------------------------------------
# Colours for the placeholder pictures drawn at seed time (no download; text stays in the HTML,
# since Pillow's default font has no Chinese glyphs).
STYLES = [
    # (name, file key, wall, floor, cabinet, counter, accent)
    ("现代简约", "modern", "#eceae6", "#9b9892", "#f7f7f5", "#3b3b3b", "#2f80ed"),
    ("北欧", "nordic", "#f4f1ea", "#d2b48c", "#ffffff", "#c8a97e", "#7fa88a"),
    ("新中式", "new-chinese", "#efe4d2", "#6b4a32", "#5a3b28", "#e8dcc6", "#b23a2b"),
    ("轻奢", "light-luxury", "#e6e3e0", "#4c4f55", "#243447", "#f1efec", "#c9a55c"),
]

# (name, room, style, SKUs, price from, price to, description, store code or None for head office)
SOLUTIONS = [
    ("岛台开放式厨房", "kitchen", "轻奢", ["K-IS-01", "K-QZ-03", "A-HD-01", "A-GS-02", "A-DW-03", "A-ST-04", "W-RO-01"],
     "89800", "128000",
     "客餐厨一体的开放式布局，岛台兼做早餐台。蒸烤一体机、洗碗机全嵌入，台面下净水，一步到位。适合 15㎡ 以上的厨房。", None),
    ("北欧白 U 型厨房", "kitchen", "北欧", ["K-CB-02", "K-QZ-03", "K-SK-04", "K-FA-05", "A-HD-01", "A-GS-02"],
     "28800", "45800",
     "白色平板门配原木色台面，U 型动线洗、切、炒一气呵成。侧吸油烟机离灶近，吸力足、不碰头。", None),
    ("新中式一字型厨房", "kitchen", "新中式", ["K-CB-02", "K-QZ-03", "K-SK-04", "A-HD-01", "A-GS-02", "W-PF-02"],
     "19800", "32800",
     "胡桃木色柜门、回纹拉手，小户型一字型布局。前置过滤器保护全屋水路。", None),
    ("干湿分离卫浴", "bathroom", "现代简约", ["B-TL-01", "B-SH-02", "B-VA-03", "B-MR-05"],
     "12800", "18800",
     "淋浴区与洗漱区分开，地面不再湿漉漉。智能马桶一体机、恒温花洒、岩板浴室柜和防雾镜柜，4㎡ 也能放得下。", None),
    ("主卫浴缸套间", "bathroom", "轻奢", ["B-TL-01", "B-SH-02", "B-VA-03", "B-BT-04", "B-MR-05"],
     "19800", "29800",
     "1.5 米亚克力浴缸搭配恒温花洒，金色五金点缀。适合 6㎡ 以上的主卫。", None),
    ("老房翻新小厨房", "kitchen", "现代简约", ["K-CB-02", "K-QZ-03", "K-SK-04", "K-FA-05", "A-HD-01", "A-GS-02"],
     "16800", "24800",
     "徐汇老公房专属：拆除旧灶台、重做防水和水电，7 天完工。旗舰店设计师上门量房。", "sh-xuhui"),
]

# Finished homes, two per store: (title template, room, style, solution, area from, area to).
CASES = [
    ("{community} {area}㎡ 开放式厨房", "kitchen", "轻奢", "岛台开放式厨房", 14, 22),
    ("{community} 北欧风 U 型厨房", "kitchen", "北欧", "北欧白 U 型厨房", 7, 12),
    ("{community} 干湿分离卫生间", "bathroom", "现代简约", "干湿分离卫浴", 4, 6),
    ("{community} 主卫浴缸改造", "bathroom", "轻奢", "主卫浴缸套间", 6, 9),
    ("{community} 新中式厨房翻新", "kitchen", "新中式", "新中式一字型厨房", 6, 9),
]
CASE_STORIES = [
    "业主一家四口，原厨房只有一条操作台。设计师上门量房后，把阳台并入厨房，多出一整排储物。",
    "老人常用、孩子爱玩水，选了防滑地砖和恒温花洒。施工 9 天，业主说“终于不用抢卫生间了”。",
    "交房后第一时间来店里，全家一起在手机上对比了三种风格，最后选定这套方案。",
]

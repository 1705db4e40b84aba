from celery import shared_task


@shared_task(name="stores.qr_codes_make_wechat", ignore_result=True, time_limit=600)
def qr_codes_make_wechat(code_ids: list[int]) -> int:
    """Make WeChat parametric codes for these codes (head office asks from the admin). Codes that
    have one are skipped, so running it again after a failure finishes the rest."""
    from stores.models import QRCode
    from wechat.scene_codes import wechat_scene_code_make

    made = 0
    for code in QRCode.objects.filter(pk__in=code_ids, wechat_ticket=""):
        wechat_scene_code_make(code=code)
        made += 1
    return made

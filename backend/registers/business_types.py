"""The register's 업태구분명 → our BusinessType. Pure; names not listed are 기타 (other)."""

from backend.restaurants.models import BusinessType

_BY_NAME = {
    "한식": BusinessType.KOREAN,
    "식육(숯불구이)": BusinessType.KOREAN,
    "탕류(보신용)": BusinessType.KOREAN,
    "냉면집": BusinessType.KOREAN,
    "횟집": BusinessType.KOREAN,
    "복어취급": BusinessType.KOREAN,
    "중국식": BusinessType.CHINESE,
    "일식": BusinessType.JAPANESE,
    "경양식": BusinessType.WESTERN,
    "패밀리레스트랑": BusinessType.WESTERN,
    "패밀리레스토랑": BusinessType.WESTERN,
    "외국음식전문점(인도,태국등)": BusinessType.WESTERN,
    "분식": BusinessType.SNACK,
    "김밥(도시락)": BusinessType.SNACK,
    "호프/통닭": BusinessType.PUB,
    "통닭(치킨)": BusinessType.PUB,
    "정종/대포집/소주방": BusinessType.PUB,
    "감성주점": BusinessType.PUB,
    "라이브카페": BusinessType.PUB,
    "까페": BusinessType.CAFE,
    "카페": BusinessType.CAFE,
    "커피숍": BusinessType.CAFE,
    "다방": BusinessType.CAFE,
    "전통찻집": BusinessType.CAFE,
    "떡카페": BusinessType.CAFE,
    "키즈카페": BusinessType.CAFE,
    "아이스크림": BusinessType.CAFE,
    "패스트푸드": BusinessType.FAST_FOOD,
    "뷔페식": BusinessType.BUFFET,
    "기타": BusinessType.OTHER,
}
_BY_NAME_SPACELESS = {name.replace(" ", ""): kind for name, kind in _BY_NAME.items()}


def business_type(register_name: str) -> str:
    return _BY_NAME_SPACELESS.get(register_name.replace(" ", ""), BusinessType.OTHER)
